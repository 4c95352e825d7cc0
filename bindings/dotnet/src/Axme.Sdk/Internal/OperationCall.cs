using System;
using System.Json;

namespace Axme.Sdk.Internal
{
    /// <summary>
    /// The arguments of one generated method for the core's generic call: named arguments
    /// (path, query, header) by their spec names, the body (whole, or merged field by field),
    /// or raw content. Null values are left out: the core then applies the spec's defaults.
    /// </summary>
    internal sealed class OperationCall
    {
        internal readonly string OperationId;
        internal readonly JsonObject Args = new JsonObject();
        internal byte[] ContentBytes;
        private JsonObject body;

        internal OperationCall(string operationId)
        {
            OperationId = operationId;
        }

        internal void Arg(string key, object value)
        {
            var json = Json.From(value);
            if (json != null)
            {
                Args[key] = json;
            }
        }

        /// <summary>The whole body; a copy, so later field merges never touch the caller's object.</summary>
        internal void Body(JsonObject payload)
        {
            if (payload != null)
            {
                body = (JsonObject)JsonValue.Parse(payload.ToString());
                Args["body"] = body;
            }
        }

        /// <summary>One body field; a payload holding another value for it is a caller mistake.</summary>
        internal void Field(string field, object value)
        {
            var json = Json.From(value);
            if (json == null)
            {
                return;
            }
            if (body == null)
            {
                body = new JsonObject();
                Args["body"] = body;
            }
            JsonValue existing;
            if (body.TryGetValue(field, out existing) && existing != null && existing.ToString() != json.ToString())
            {
                throw new ArgumentException("payload " + field + " " + existing + " differs from the " + field + " argument " + json, field);
            }
            body[field] = json;
        }

        internal void Content(byte[] content)
        {
            ContentBytes = content ?? throw new ArgumentNullException(nameof(content));
        }
    }

    /// <summary>Conversions between .NET values and System.Json values.</summary>
    internal static class Json
    {
        internal static JsonValue From(object value)
        {
            if (value == null)
            {
                return null;
            }
            if (value is JsonValue)
            {
                return (JsonValue)value;
            }
            if (value is string)
            {
                return new JsonPrimitive((string)value);
            }
            if (value is bool)
            {
                return new JsonPrimitive((bool)value);
            }
            if (value is int)
            {
                return new JsonPrimitive((int)value);
            }
            if (value is long)
            {
                return new JsonPrimitive((long)value);
            }
            if (value is double)
            {
                return new JsonPrimitive((double)value);
            }
            throw new ArgumentException("cannot send a " + value.GetType().Name + " as JSON");
        }

        /// <summary>The core's JSON text as an object (an empty body is an empty object, as in the public SDK).</summary>
        internal static JsonObject Object(string text)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return new JsonObject();
            }
            var value = JsonValue.Parse(text);
            if (value == null)
            {
                // The core's `null` for an empty body.
                return new JsonObject();
            }
            var obj = value as JsonObject;
            if (obj == null)
            {
                throw new InvalidOperationException("expected a JSON object, got " + value.JsonType);
            }
            return obj;
        }
    }
}
