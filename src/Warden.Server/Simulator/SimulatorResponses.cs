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

    public static async Task WriteAsync(HttpResponse response, int statusCode, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = statusCode;
        response.ContentType = JsonContentType;
        response.ContentLength = body.Length;
        await response.BodyWriter.WriteAsync(body, cancellationToken);
    }
}
