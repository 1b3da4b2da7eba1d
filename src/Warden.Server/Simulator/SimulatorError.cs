using System.Globalization;

namespace Warden.Server.Simulator;

/// <summary>
/// An error answered in OpenAI's shape: {"error":{"message","type","param","code"}}, with a
/// Retry-After header when RetryAfterSeconds is set.
/// </summary>
internal sealed record SimulatorError(
    int StatusCode,
    string Message,
    string Type,
    string? Param = null,
    string? Code = null,
    int? RetryAfterSeconds = null)
{
    private const string InvalidRequest = "invalid_request_error";

    public static SimulatorError BadRequest(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status400BadRequest, message, InvalidRequest, param, code);

    public static SimulatorError MalformedJson() =>
        BadRequest("We could not parse the JSON body of your request. The simulator expects a JSON object.");

    public static SimulatorError MissingParameter(string name) =>
        BadRequest($"Missing required parameter: '{name}'.", name, "missing_required_parameter");

    public static SimulatorError InvalidType(string name, string expected) =>
        BadRequest($"Invalid type for '{name}': expected {expected}.", name, "invalid_type");

    public static SimulatorError InvalidValue(string name, string message) =>
        BadRequest(message, name, "invalid_value");

    public static SimulatorError UnknownFault(string message) =>
        BadRequest(message, SimulatorFaultPlan.HeaderName, "invalid_simulator_fault");

    public static SimulatorError ModelNotFound(string model) =>
        new(StatusCodes.Status404NotFound, $"The model '{model}' does not exist. The simulator serves: {string.Join(", ", SimulatorModels.Names)}.", InvalidRequest, "model", "model_not_found");

    public static SimulatorError MissingApiKey() =>
        new(StatusCodes.Status401Unauthorized, "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.", InvalidRequest, null, "invalid_api_key");

    public static SimulatorError IncorrectApiKey() =>
        new(StatusCodes.Status401Unauthorized, "Incorrect API key provided.", InvalidRequest, null, "invalid_api_key");

    public static SimulatorError UnknownUrl(string method, string path) =>
        new(StatusCodes.Status404NotFound, $"Invalid URL ({method} {path}).", InvalidRequest, null, "unknown_url");

    public static SimulatorError Status(int statusCode, string message) =>
        new(statusCode, message, statusCode >= 500 ? "server_error" : InvalidRequest);

    public static SimulatorError InternalError() =>
        new(StatusCodes.Status500InternalServerError, "The simulator failed unexpectedly; see its log.", "server_error");

    public static SimulatorError FromFault(SimulatorFault fault) => fault.Kind switch
    {
        SimulatorFaultKind.RateLimited => new(
            StatusCodes.Status429TooManyRequests,
            "Simulated 429: rate limit reached (fault injected by the Warden simulator).",
            "rate_limit_exceeded",
            null,
            "rate_limit_exceeded",
            // 429-0 deliberately omits Retry-After so clients that rely on it can be tested without it.
            fault.Parameter is 0 ? null : fault.Parameter ?? 1),
        SimulatorFaultKind.ServerError => new(
            StatusCodes.Status500InternalServerError,
            "Simulated 500: internal server error (fault injected by the Warden simulator).",
            "server_error"),
        SimulatorFaultKind.Unavailable => new(
            StatusCodes.Status503ServiceUnavailable,
            "Simulated 503: service unavailable (fault injected by the Warden simulator).",
            "server_error",
            RetryAfterSeconds: 1),
        SimulatorFaultKind.Overloaded => new(
            529,
            "Simulated 529: overloaded (fault injected by the Warden simulator).",
            "overloaded_error",
            null,
            "overloaded"),
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault.Kind.ToString(), "Not an error-status fault."),
    };

    public string? RetryAfterHeader => RetryAfterSeconds?.ToString(CultureInfo.InvariantCulture);
}
