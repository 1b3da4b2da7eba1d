using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Warden.Server.Trust;

namespace Warden.Server.Tests.Hardening;

/// <summary>
/// A streamed request's response body ran through a hashing writer that was disposed when the relay ended; an error
/// the request's exception handler wrote afterwards went into the disposed hash and the client got an empty 500
/// (issue 18, Gemini streams). Disposing the feature now puts the original body back.
/// </summary>
public sealed class HashingBodyDisposalTests
{
    [Fact]
    public async Task WriteAfterTheHashingFeatureIsDisposed_ReachesTheOriginalBody()
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(body));
        var original = context.Features.Get<IHttpResponseBodyFeature>();

        var hashing = HashingResponseBodyFeature.Install(context);
        hashing.Dispose();
        await context.Response.BodyWriter.WriteAsync(Encoding.UTF8.GetBytes("{\"error\":{}}"));
        await context.Response.BodyWriter.FlushAsync();

        Assert.Same(original, context.Features.Get<IHttpResponseBodyFeature>());
        Assert.Equal("{\"error\":{}}", Encoding.UTF8.GetString(body.ToArray()));
    }
}
