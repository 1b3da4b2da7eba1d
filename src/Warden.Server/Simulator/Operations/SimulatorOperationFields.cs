using System.Text.Json;

namespace Warden.Server.Simulator.Operations;

/// <summary>
/// Reads the operation bodies' fields with OpenAI's error wording: a missing field is
/// missing_required_parameter, a field of the wrong JSON type invalid_type, a value out of range invalid_value; each
/// error names the field in <c>param</c>.
/// </summary>
internal static class SimulatorOperationFields
{
    public static SimulatorError? RequiredString(JsonElement root, string name, out string value)
    {
        value = "";
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return SimulatorError.MissingParameter(name);
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return SimulatorError.InvalidType(name, "a string");
        }

        value = element.GetString()!;
        return value.Length == 0 ? SimulatorError.InvalidValue(name, $"'{name}' must not be empty.") : null;
    }

    public static SimulatorError? OptionalString(JsonElement root, string name, out string? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return SimulatorError.InvalidType(name, "a string");
        }

        value = element.GetString();
        return null;
    }

    public static SimulatorError? OptionalInt(JsonElement root, string name, int min, int max, out int? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out int number))
        {
            return SimulatorError.InvalidType(name, "an integer");
        }

        if (number < min || number > max)
        {
            return SimulatorError.InvalidValue(name, $"'{name}' must be between {min} and {max}; got {number}.");
        }

        value = number;
        return null;
    }

    public static SimulatorError? OptionalBool(JsonElement root, string name, out bool? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return SimulatorError.InvalidType(name, "a boolean");
        }

        value = element.GetBoolean();
        return null;
    }

    /// <summary>An optional string that must be one of <paramref name="allowed"/>.</summary>
    public static SimulatorError? OptionalChoice(string name, string? value, params string[] allowed) =>
        value is null || allowed.Contains(value, StringComparer.Ordinal)
            ? null
            : SimulatorError.InvalidValue(name, $"'{value}' is not one of {string.Join(", ", allowed.Select(a => "'" + a + "'"))} - '{name}'.");

    /// <summary>The model is known but serves another operation (OpenAI answers such calls with a 400 on model).</summary>
    public static SimulatorError WrongOperation(string model, string operation) =>
        SimulatorError.InvalidValue("model", $"The model '{model}' does not support {operation}. The simulator serves {operation} with {Serving(operation)}.");

    public static SimulatorError UnknownModel(string model, string operation) =>
        new(StatusCodes.Status404NotFound, $"The model '{model}' does not exist. The simulator serves {operation} with {Serving(operation)}.",
            "invalid_request_error", "model", "model_not_found");

    /// <summary>Null when <paramref name="model"/> serves <paramref name="operation"/>, else the error OpenAI would answer.</summary>
    public static SimulatorError? CheckModel(string model, string operation)
    {
        string? serves = SimulatorOperationModels.OperationOf(model) ?? (SimulatorModels.IsKnown(model) ? "completions" : null);
        return serves is null ? UnknownModel(model, operation)
            : serves == operation ? null
            : WrongOperation(model, operation);
    }

    private static string Serving(string operation) => operation == "completions"
        ? string.Join(", ", SimulatorModels.Names)
        : string.Join(", ", SimulatorOperationModels.All.Where(entry => entry.Operation == operation).Select(entry => entry.Model));
}
