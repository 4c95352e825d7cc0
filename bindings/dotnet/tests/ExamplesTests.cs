using System;
using System.Diagnostics;
using System.IO;
using NUnit.Framework;

namespace Axme.Sdk.Tests
{
    /// <summary>The programs of examples/dotnet run to success against the reference server.</summary>
    [TestFixture]
    public sealed class ExamplesTests
    {
        [TestCase("DeploymentApproval.exe", "", 0)]
        [TestCase("DeploymentApproval.exe", "--reject", 1)]
        [TestCase("OrderFlow.exe", "", 0)]
        [TestCase("OrderFlow.exe", "--decline", 1)]
        [TestCase("AgentHandoff.exe", "", 0)]
        public void ExampleRuns(string program, string args, int expected)
        {
            var cred = new Credential();
            var exe = Path.Combine(AppDomain.CurrentDomain.BaseDirectory, program);
            var info = new ProcessStartInfo("mono", "\"" + exe + "\" " + args)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
            };
            info.EnvironmentVariables["AXME_BASE_URL"] = ServerFixture.Url;
            info.EnvironmentVariables["AXME_API_KEY"] = cred.ApiKey;
            using (var p = Process.Start(info))
            {
                var output = p.StandardOutput.ReadToEnd();
                Assert.IsTrue(p.WaitForExit(120000), program + " did not finish");
                Assert.AreEqual(expected, p.ExitCode, output);
            }
        }
    }
}
