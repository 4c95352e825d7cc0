//! The committed foreign declaration layers, compiled by each language's own compiler and run
//! against the freshly built `axme-ffi` library: the C header (gcc, what cgo reads), the Go codecs
//! (`go vet`), the JNA natives (javac, run on the JVM) and the `DllImport`s (mcs, run on Mono).
//! Each program checks the checksums and the contract version it was generated against, builds a
//! client by passing an encoded `ClientConfig`, and decodes the error of a refused one, so a waist
//! that drifts from what the committed files declare fails here (and `--check` fails too).

use std::path::PathBuf;
use std::process::Command;

use crate::{put, root, run, scratch, waist_library};

fn lib_dir() -> PathBuf {
    waist_library().parent().expect("target dir").to_path_buf()
}

const C_PROGRAM: &str = r#"
#include <stdio.h>
#include "axme_ffi.h"

int main(void) {
    const char *bad = axme_ffi_checksum_mismatch();
    if (bad) {
        printf("MISMATCH %s\n", bad);
        return 1;
    }
    RustCallStatus st = {0};
    RustBuffer version = uniffi_axme_ffi_fn_func_core_version(&st);
    if (st.code != 0) {
        return 1;
    }
    printf("core %.*s\n", (int)version.len, (const char *)version.data);
    ffi_axme_ffi_rustbuffer_free(version, &st);
    RustBuffer slots;
    axme_ffi_rustbuffer_alloc_into(16, &slots);
    printf("alloc %llu\n", (unsigned long long)slots.len);
    axme_ffi_rustbuffer_free_at(&slots);
    printf("live %llu\n", (unsigned long long)uniffi_axme_ffi_fn_func_live_handles(&st));
    return st.code;
}
"#;

#[test]
fn the_c_header_compiles_and_matches_the_library() {
    let dir = scratch("ffi-c");
    put(&dir, "check.c", C_PROGRAM);
    let header_dir = root().join("bindings/go/internal/ffi");
    let exe = dir.join("check");
    run(Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&exe)
        .arg(dir.join("check.c"))
        .arg("-I")
        .arg(&header_dir)
        .arg(format!("-L{}", lib_dir().display()))
        .arg("-laxme_ffi"));
    let out = run(Command::new(&exe).env("LD_LIBRARY_PATH", lib_dir()));
    assert!(
        out.contains(&format!("core {}", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
    assert!(out.contains("alloc 16") && out.contains("live 0"), "{out}");
}

#[test]
fn the_go_codecs_vet_clean() {
    let dir = scratch("ffi-go");
    let generated = root().join("bindings/go/internal/ffi/waist_gen.go");
    put(&dir, "go.mod", "module example.com/ffi\n\ngo 1.23\n");
    put(
        &dir,
        "waist_gen.go",
        &std::fs::read_to_string(generated).expect("waist_gen.go"),
    );
    run(Command::new("go").args(["vet", "./..."]).current_dir(&dir));
    let fmt = run(Command::new("gofmt").arg("-l").arg(&dir));
    assert!(fmt.trim().is_empty(), "not gofmt-clean: {fmt}");
}

/// The JNA jar from Maven Central, fetched once into the target directory.
fn jna_jar() -> PathBuf {
    let dir = lib_dir().join("../jna");
    let jar = dir.join("jna-5.19.1.jar");
    if !jar.exists() {
        run(Command::new("mvn").args([
            "-q",
            "dependency:copy",
            "-Dartifact=net.java.dev.jna:jna:5.19.1",
            &format!("-DoutputDirectory={}", dir.display()),
        ]));
    }
    jar
}

const JAVA_PROGRAM: &str = r#"
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import dev.axme.sdk.internal.FfiNatives;
import dev.axme.sdk.internal.FfiWaist;

public class DriftCheck {
    /** A RustBuffer holding `bytes`, written to three slots at `slots`. */
    static void buffer(byte[] bytes, Pointer slots) {
        FfiNatives.axme_ffi_rustbuffer_alloc_into(bytes.length, slots);
        slots.getPointer(16).write(0, bytes, 0, bytes.length);
    }

    public static void main(String[] args) {
        Native.register(FfiNatives.class, NativeLibrary.getInstance(args[0]));
        String bad = FfiNatives.checksumMismatch();
        if (bad != null) {
            throw new IllegalStateException("mismatch " + bad);
        }
        FfiWaist.ClientConfig config = new FfiWaist.ClientConfig();
        config.baseUrl = "http://127.0.0.1:9";
        config.apiKey = "k";
        config.clientLanguage = "java";
        FfiWaist.Writer w = new FfiWaist.Writer();
        w.clientConfig(config);
        Memory in = new Memory(8 * FfiNatives.UNIFFI_AXME_FFI_FN_CONSTRUCTOR_CLIENT_NEW_ARGS);
        Memory out = new Memory(8 * (FfiNatives.UNIFFI_AXME_FFI_FN_CONSTRUCTOR_CLIENT_NEW_RETURNS + 4));
        out.clear();
        buffer(w.toByteArray(), in);
        FfiNatives.uniffi_ffibuffer_axme_ffi_fn_constructor_client_new(in, out);
        long handle = out.getLong(0);
        if (out.getByte(8) != 0 || handle == 0) {
            throw new IllegalStateException("client_new failed");
        }
        Memory status = new Memory(32);
        status.clear();
        FfiNatives.uniffi_axme_ffi_fn_free_client(handle, status);

        config.apiKey = " ";
        FfiWaist.Writer blank = new FfiWaist.Writer();
        blank.clientConfig(config);
        out.clear();
        buffer(blank.toByteArray(), in);
        FfiNatives.uniffi_ffibuffer_axme_ffi_fn_constructor_client_new(in, out);
        if (out.getByte(8) != 1) {
            throw new IllegalStateException("a blank key must be refused");
        }
        Pointer errorSlots = out.share(16);
        long len = errorSlots.getLong(8);
        byte[] error = errorSlots.getPointer(16).getByteArray(0, (int) len);
        FfiNatives.axme_ffi_rustbuffer_free_at(errorSlots);
        FfiWaist.ErrorRecord record = FfiWaist.readAxmeError(error);
        System.out.println("kind " + record.kind.wireName() + ": " + record.message);
    }
}
"#;

#[test]
fn the_jna_natives_compile_and_match_the_library() {
    let dir = scratch("ffi-java");
    let jar = jna_jar();
    let sources = root().join("bindings/java/src/main/java/dev/axme/sdk/internal");
    put(&dir, "DriftCheck.java", JAVA_PROGRAM);
    let classes = dir.join("classes");
    let mut javac = Command::new("javac");
    javac
        .args(["-Xlint:all", "-Werror", "--release", "17", "-d"])
        .arg(&classes)
        .arg("-cp")
        .arg(&jar)
        .arg(dir.join("DriftCheck.java"));
    for file in ["FfiNatives.java", "FfiWaist.java"] {
        javac.arg(sources.join(file));
    }
    run(&mut javac);
    let cp = format!("{}:{}", classes.display(), jar.display());
    let out = run(Command::new("java")
        .args(["-cp", &cp, "DriftCheck"])
        .arg(waist_library()));
    assert!(
        out.contains("kind invalid_argument: api_key is empty"),
        "{out}"
    );
}

const CS_PROGRAM: &str = r#"
using System;
using System.Runtime.InteropServices;
using Axme.Sdk.Internal;

public static class DriftCheck
{
    static RustBuffer Buffer(byte[] bytes)
    {
        RustBuffer b;
        FfiNatives.axme_ffi_rustbuffer_alloc_into((ulong)bytes.Length, out b);
        Marshal.Copy(bytes, 0, b.Data, bytes.Length);
        return b;
    }

    public static int Main()
    {
        string bad = FfiNatives.ChecksumMismatch();
        if (bad != null) { Console.WriteLine("MISMATCH " + bad); return 1; }
        var config = new ClientConfig { BaseUrl = "http://127.0.0.1:9", ApiKey = "k", ClientLanguage = "dotnet" };
        var w = new FfiWriter();
        w.ClientConfig(config);
        var status = new RustCallStatus();
        ulong handle = FfiNatives.uniffi_axme_ffi_fn_constructor_client_new(Buffer(w.ToArray()), ref status);
        if (status.Code != 0 || handle == 0) { Console.WriteLine("client_new failed"); return 1; }
        FfiNatives.uniffi_axme_ffi_fn_free_client(handle, ref status);
        config.ApiKey = " ";
        var blank = new FfiWriter();
        blank.ClientConfig(config);
        status = new RustCallStatus();
        FfiNatives.uniffi_axme_ffi_fn_constructor_client_new(Buffer(blank.ToArray()), ref status);
        if (status.Code != 1) { Console.WriteLine("a blank key must be refused"); return 1; }
        var bytes = new byte[(int)status.ErrorBuf.Len];
        Marshal.Copy(status.ErrorBuf.Data, bytes, 0, bytes.Length);
        FfiNatives.axme_ffi_rustbuffer_free_at(ref status.ErrorBuf);
        var record = FfiWaist.ReadAxmeError(bytes);
        Console.WriteLine("kind " + FfiWaist.ErrorKindNames[(int)record.Kind - 1] + ": " + record.Message);
        return 0;
    }
}
"#;

#[test]
fn the_dllimports_compile_and_match_the_library() {
    let dir = scratch("ffi-csharp");
    put(&dir, "DriftCheck.cs", CS_PROGRAM);
    let sources = root().join("bindings/dotnet/src/Axme.Sdk/Internal");
    let exe = dir.join("DriftCheck.exe");
    run(Command::new("mcs")
        .args(["-warnaserror", "-langversion:7.2"])
        .arg(format!("-out:{}", exe.display()))
        .arg(dir.join("DriftCheck.cs"))
        .arg(sources.join("FfiNatives.cs"))
        .arg(sources.join("FfiWaist.cs")));
    let out = run(Command::new("mono")
        .arg(&exe)
        .env("LD_LIBRARY_PATH", lib_dir()));
    assert!(
        out.contains("kind invalid_argument: api_key is empty"),
        "{out}"
    );
}
