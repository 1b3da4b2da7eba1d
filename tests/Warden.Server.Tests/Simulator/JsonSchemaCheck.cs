using System.Text.Json;

namespace Warden.Server.Tests.Simulator;

/// <summary>
/// A small JSON Schema validator for the keywords the simulator's JSON mode claims to honour (type, in
/// either case; properties, required, additionalProperties:false, enum, const, minimum/maximum,
/// items, minItems/maxItems, minLength/maxLength, anyOf). Returns the first violation, or null.
/// </summary>
internal static class JsonSchemaCheck
{
    public static string? Validate(JsonElement value, JsonElement schema, string path = "$")
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
        {
            return $"{path}: not the const value";
        }

        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(option => JsonElement.DeepEquals(option, value)))
        {
            return $"{path}: not one of the enum values";
        }

        if (schema.TryGetProperty("anyOf", out var anyOf) && anyOf.EnumerateArray().All(option => Validate(value, option, path) is not null))
        {
            return $"{path}: matches none of anyOf";
        }

        if (schema.TryGetProperty("type", out var type))
        {
            var types = type.ValueKind == JsonValueKind.Array
                ? type.EnumerateArray().Select(t => t.GetString()!.ToLowerInvariant()).ToArray()
                : [type.GetString()!.ToLowerInvariant()];
            if (!types.Any(t => HasType(value, t)))
            {
                return $"{path}: expected {string.Join('|', types)}, got {value.ValueKind}";
            }
        }

        return value.ValueKind switch
        {
            JsonValueKind.Object => ValidateObject(value, schema, path),
            JsonValueKind.Array => ValidateArray(value, schema, path),
            JsonValueKind.Number => ValidateNumber(value, schema, path),
            JsonValueKind.String => ValidateString(value, schema, path),
            _ => null,
        };
    }

    private static bool HasType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => false,
    };

    private static string? ValidateObject(JsonElement value, JsonElement schema, string path)
    {
        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray())
            {
                if (!value.TryGetProperty(name.GetString()!, out _))
                {
                    return $"{path}: missing required '{name.GetString()}'";
                }
            }
        }

        foreach (var property in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                if (Validate(property.Value, propertySchema, path + "." + property.Name) is { } problem)
                {
                    return problem;
                }
            }
            else if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False)
            {
                return $"{path}: unexpected property '{property.Name}'";
            }
        }

        return null;
    }

    private static string? ValidateArray(JsonElement value, JsonElement schema, string path)
    {
        var count = value.GetArrayLength();
        if (schema.TryGetProperty("minItems", out var min) && count < min.GetInt32())
        {
            return $"{path}: fewer than minItems";
        }

        if (schema.TryGetProperty("maxItems", out var max) && count > max.GetInt32())
        {
            return $"{path}: more than maxItems";
        }

        if (schema.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                if (Validate(item, items, $"{path}[{index++}]") is { } problem)
                {
                    return problem;
                }
            }
        }

        return null;
    }

    private static string? ValidateNumber(JsonElement value, JsonElement schema, string path)
    {
        var number = value.GetDouble();
        if (schema.TryGetProperty("minimum", out var min) && number < min.GetDouble())
        {
            return $"{path}: below minimum";
        }

        return schema.TryGetProperty("maximum", out var max) && number > max.GetDouble() ? $"{path}: above maximum" : null;
    }

    private static string? ValidateString(JsonElement value, JsonElement schema, string path)
    {
        var length = value.GetString()!.Length;
        if (schema.TryGetProperty("minLength", out var min) && length < min.GetInt32())
        {
            return $"{path}: shorter than minLength";
        }

        return schema.TryGetProperty("maxLength", out var max) && length > max.GetInt32() ? $"{path}: longer than maxLength" : null;
    }
}
