using System.Buffers;

namespace Warden.Server.Simulator;

/// <summary>Sends complete (non-streamed) JSON bodies with a Content-Length.</summary>
internal static class SimulatorResponses
{
    public const string JsonContentType = "application/json";

    public static Task WriteErrorAsync(HttpResponse response, SimulatorError error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(error);
        if (error.RetryAfterHeader is { } retryAfter)
        {
            response.Headers.RetryAfter = retryAfter;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        SimulatorJson.WriteError(buffer, error);
        return WriteAsync(response, error.StatusCode, buffer.WrittenMemory, cancellationToken);
    }

    /// <summary>Writes the error in the dialect's shape, with Retry-After when the error has one.</summary>
    public static Task WriteErrorAsync(HttpContext context, SimulatorDialect dialect, SimulatorError error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(error);
        if (error.RetryAfterHeader is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        SimulatorJson.WriteError(buffer, error, dialect, SimulatorRequestId.Get(context));
        return WriteAsync(context.Response, error.StatusCode, buffer.WrittenMemory, cancellationToken);
    }

    public static async Task WriteAsync(HttpResponse response, int statusCode, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = statusCode;
        response.ContentType = JsonContentType;
        response.ContentLength = body.Length;
        await response.BodyWriter.WriteAsync(body, cancellationToken);
    }
}
