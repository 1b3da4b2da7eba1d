using System.Globalization;

namespace Warden.Server.Simulator;

/// <summary>
/// An error the simulator answers, described in OpenAI's terms ({"error":{"message","type","param","code"}});
/// <see cref="AnthropicType"/> and <see cref="GoogleStatus"/> give the other dialects' names for it.
/// A Retry-After header goes with it when RetryAfterSeconds is set.
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
            // Plain 429 (and 429-0, its older spelling) omit Retry-After so clients that rely on it can be
            // tested without it; 429-N sends "Retry-After: N".
            fault.Parameter is null or 0 ? null : fault.Parameter),
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

    /// <summary>The Anthropic error type for this error (by its type, else its status code).</summary>
    public string AnthropicType => Type == "overloaded_error" ? Type : StatusCode switch
    {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 or 529 => "overloaded_error",
        < 500 => "invalid_request_error",
        _ => "api_error",
    };

    /// <summary>The google.rpc status name Gemini uses for this status code.</summary>
    public string GoogleStatus => StatusCode switch
    {
        400 or 413 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        503 or 529 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        < 500 => "FAILED_PRECONDITION",
        _ => "INTERNAL",
    };

    public static SimulatorError MissingApiKey(SimulatorDialect dialect) => dialect switch
    {
        SimulatorDialect.Anthropic => new(StatusCodes.Status401Unauthorized, "x-api-key header is required (or 'Authorization: Bearer <key>').", InvalidRequest, null, "invalid_api_key"),
        SimulatorDialect.Gemini => new(StatusCodes.Status401Unauthorized, "Method doesn't allow unregistered callers. Send the key as the x-goog-api-key header or the key query parameter.", InvalidRequest, null, "invalid_api_key"),
        _ => MissingApiKey(),
    };

    public static SimulatorError IncorrectApiKey(SimulatorDialect dialect) => dialect switch
    {
        SimulatorDialect.Anthropic => new(StatusCodes.Status401Unauthorized, "invalid x-api-key", InvalidRequest, null, "invalid_api_key"),
        SimulatorDialect.Gemini => new(StatusCodes.Status400BadRequest, "API key not valid. Please pass a valid API key.", InvalidRequest, null, "invalid_api_key"),
        _ => IncorrectApiKey(),
    };

    /// <summary>An echoed opaque reasoning string did not verify: the relay changed or invented it.</summary>
    public static SimulatorError InvalidReasoningSignature(SimulatorDialect dialect) => dialect switch
    {
        SimulatorDialect.Anthropic => BadRequest("thinking block signature is invalid", "messages", "invalid_signature"),
        SimulatorDialect.Gemini => BadRequest("Function call is missing a thought_signature or it is invalid: thoughtSignature does not verify.", "contents", "invalid_signature"),
        _ => BadRequest("The encrypted content of a reasoning item could not be verified.", "input", "invalid_encrypted_content"),
    };

    /// <summary>What a non-streamed request gets for midstream-error: the failure a stream would have reported.</summary>
    public static SimulatorError MidstreamFailure() =>
        new(StatusCodes.Status500InternalServerError, "Simulated midstream error: the model failed while generating (fault injected by the Warden simulator).", "server_error");

    /// <summary>What the midstream-error fault reports inside a stream: the provider became overloaded mid-answer.</summary>
    public static SimulatorError MidstreamOverloaded() =>
        new(529, "Simulated midstream error: overloaded (fault injected by the Warden simulator).", "overloaded_error", null, "overloaded");

    public string? RetryAfterHeader => RetryAfterSeconds?.ToString(CultureInfo.InvariantCulture);
}
