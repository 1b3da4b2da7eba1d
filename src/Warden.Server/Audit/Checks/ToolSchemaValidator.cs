using System.Text.Json;
using System.Text.Json.Nodes;

namespace Warden.Server.Audit.Checks;

/// <summary>
/// Validates tool-call arguments against the JSON Schema subset the tools check declares: type (object, string, number,
/// integer, boolean, array, null), properties, required, enum, items and additionalProperties: false. Anything else in a
/// schema is ignored, which is safe because the check only declares this subset.
/// </summary>
internal static class ToolSchemaValidator
{
    /// <summary>The first violation of the arguments JSON text against the schema, or null when valid.</summary>
    public static string? Validate(JsonObject schema, string argumentsJson)
    {
        ArgumentNullException.ThrowIfNull(schema);
        JsonNode? value;
        try
        {
            value = JsonNode.Parse(string.IsNullOrWhiteSpace(argumentsJson) ? "{}" : argumentsJson);
        }
        catch (JsonException)
        {
            return "the arguments are not JSON";
        }

        return Validate(schema, value, "arguments");
    }

    public static string? Validate(JsonObject schema, JsonNode? value, string path)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (schema["type"] is JsonValue typeNode && typeNode.TryGetValue<string>(out var type) && !HasType(value, type))
        {
            return $"{path} is not of type {type}";
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(option => JsonNode.DeepEquals(option, value)))
        {
            return $"{path} is not one of the allowed values";
        }

        if (value is JsonObject obj)
        {
            var properties = schema["properties"] as JsonObject;
            if (schema["required"] is JsonArray required)
            {
                foreach (var name in required)
                {
                    if (name?.GetValue<string>() is string key && !obj.ContainsKey(key))
                    {
                        return $"{path}.{key} is required but missing";
                    }
                }
            }

            foreach (var (key, child) in obj)
            {
                if (properties?[key] is JsonObject childSchema)
                {
                    if (Validate(childSchema, child, $"{path}.{key}") is string error)
                    {
                        return error;
                    }
                }
                else if (schema["additionalProperties"] is JsonValue extra && extra.TryGetValue<bool>(out var allowedExtra) && !allowedExtra)
                {
                    return $"{path}.{key} is not a declared property";
                }
            }
        }

        if (value is JsonArray array && schema["items"] is JsonObject itemSchema)
        {
            for (var i = 0; i < array.Count; i++)
            {
                if (Validate(itemSchema, array[i], $"{path}[{i}]") is string error)
                {
                    return error;
                }
            }
        }

        return null;
    }

    private static bool HasType(JsonNode? value, string type)
    {
        var kind = value?.GetValueKind() ?? JsonValueKind.Null;
        return type switch
        {
            "object" => kind == JsonValueKind.Object,
            "array" => kind == JsonValueKind.Array,
            "string" => kind == JsonValueKind.String,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "null" => kind == JsonValueKind.Null,
            "number" => kind == JsonValueKind.Number,
            "integer" => kind == JsonValueKind.Number && value!.GetValue<JsonElement>().TryGetInt64(out _),
            _ => true,
        };
    }
}
