using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Warden.Server.Audit;
using Warden.Server.Audit.Clients;

namespace Warden.Server.Tests.Audit;

/// <summary>
/// The usage conventions the simulator does not exercise (it reports no cache or thinking tokens), against a real
/// Kestrel server answering fixed bodies shaped like the providers' own: Anthropic leaves cache reads and writes out of
/// input_tokens, Gemini leaves thinking out of candidatesTokenCount, Responses says a length stop as an incomplete status.
/// </summary>
public sealed class AuditClientUsageTests
{
    [Fact]
    public async Task Anthropic_CacheReadsAndWrites_CountAsInput()
    {
        const string body = """
            {"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn",
             "usage":{"input_tokens":10,"cache_creation_input_tokens":5,"cache_read_input_tokens":100,"output_tokens":7}}
            """;
        var reply = await SendAsync(AuditProtocol.Anthropic, "/v1/messages", body);

        Assert.True(reply.Succeeded, reply.Error);
        Assert.Equal(115, reply.InputTokens);
        Assert.Equal(7, reply.OutputTokens);
        Assert.Equal(AuditFinish.Stop, reply.Finish);
        Assert.Equal("claude-x", reply.ServedModel);
    }

    [Fact]
    public async Task Gemini_ThinkingTokens_CountAsOutputAndThoughtsAreNotText()
    {
        const string body = """
            {"candidates":[{"content":{"role":"model","parts":[{"text":"let me think","thought":true},{"text":"Hi"}]},"finishReason":"STOP"}],
             "modelVersion":"gemini-x","usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":7,"thoughtsTokenCount":30,"totalTokenCount":49}}
            """;
        var reply = await SendAsync(AuditProtocol.Gemini, "/v1beta/models/m:generateContent", body);

        Assert.True(reply.Succeeded, reply.Error);
        Assert.Equal("Hi", reply.Text);
        Assert.Equal(12, reply.InputTokens);
        Assert.Equal(37, reply.OutputTokens);
        Assert.Equal("gemini-x", reply.ServedModel);
    }

    [Fact]
    public async Task Responses_IncompleteAtTheOutputLimit_IsALengthFinish()
    {
        const string body = """
            {"id":"resp_1","object":"response","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"model":"gpt-x",
             "output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"1 2 3"}]}],
             "usage":{"input_tokens":20,"input_tokens_details":{"cached_tokens":8},"output_tokens":16,"output_tokens_details":{"reasoning_tokens":10}}}
            """;
        var reply = await SendAsync(AuditProtocol.Responses, "/v1/responses", body);

        Assert.True(reply.Succeeded, reply.Error);
        Assert.Equal("1 2 3", reply.Text);
        Assert.Equal(AuditFinish.Length, reply.Finish);
        Assert.Equal("max_output_tokens", reply.RawFinish);
        Assert.Equal(20, reply.InputTokens);
        Assert.Equal(16, reply.OutputTokens);
    }

    [Fact]
    public async Task OpenAIChat_AnswerThatIsNotJson_FailedReplyNotAnException()
    {
        var reply = await SendAsync(AuditProtocol.OpenAIChat, "/v1/chat/completions", "<html>gateway</html>");

        Assert.Equal(200, reply.Status);
        Assert.False(reply.Succeeded);
        Assert.StartsWith("the answer is not valid JSON", reply.Error, StringComparison.Ordinal);
    }

    private static async Task<AuditReply> SendAsync(AuditProtocol protocol, string path, string body)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.MapPost(path, (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body)).AsTask();
        });
        await app.StartAsync();
        var root = new Uri(app.Urls.First().TrimEnd('/') + "/");
        using var http = new AuditHttp(TimeSpan.FromSeconds(30), TimeProvider.System);
        var baseUrl = new Uri(root, protocol == AuditProtocol.Gemini ? "v1beta/" : "v1/");
        var target = AuditTargets.Create(protocol, "target", baseUrl, "m", "key", http);
        var reply = await target.SendAsync(new AuditPrompt { Messages = [AuditMessage.User("hi")] }, CancellationToken.None);
        await app.StopAsync();
        return reply;
    }
}
