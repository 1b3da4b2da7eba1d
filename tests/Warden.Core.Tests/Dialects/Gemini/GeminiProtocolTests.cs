using System.Buffers;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Chat;
using Warden.Core.Dialects.Gemini;
using static Warden.Core.Tests.Dialects.Gemini.GeminiTestSupport;

namespace Warden.Core.Tests.Dialects.Gemini;

public class GeminiProtocolTests
{
    [Fact]
    public void Usage_ReadsThoughtsAsOutputAndCacheInsideInput()
    {
        var usage = GeminiUsage.Read(Parse("""{"promptTokenCount":1000,"cachedContentTokenCount":600,"candidatesTokenCount":50,"thoughtsTokenCount":200,"toolUsePromptTokenCount":10,"totalTokenCount":1260}"""));

        Assert.Equal(new Usage(1010, 250, 600, null, 200, UsageSource.Reported), usage);
    }

    [Fact]
    public void Usage_WritesCandidatesWithoutThoughts_AndRoundTrips()
    {
        var usage = new Usage(1000, 250, 600, null, 200, UsageSource.Reported);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            GeminiUsage.Write(writer, usage);
            writer.WriteEndObject();
        }

        var written = Parse(buffer.WrittenMemory).GetProperty("usageMetadata");

        Equivalent(Parse("""{"promptTokenCount":1000,"candidatesTokenCount":50,"totalTokenCount":1250,"cachedContentTokenCount":600,"thoughtsTokenCount":200}"""), written);
        Assert.Equal(usage, GeminiUsage.Read(written));
    }

    [Theory]
    [InlineData(400, ClientErrorKind.InvalidRequest, "INVALID_ARGUMENT")]
    [InlineData(401, ClientErrorKind.Authentication, "UNAUTHENTICATED")]
    [InlineData(403, ClientErrorKind.Permission, "PERMISSION_DENIED")]
    [InlineData(404, ClientErrorKind.NotFound, "NOT_FOUND")]
    [InlineData(413, ClientErrorKind.RequestTooLarge, "INVALID_ARGUMENT")]
    [InlineData(429, ClientErrorKind.RateLimited, "RESOURCE_EXHAUSTED")]
    [InlineData(402, ClientErrorKind.InsufficientCredit, "RESOURCE_EXHAUSTED")]
    [InlineData(500, ClientErrorKind.Internal, "INTERNAL")]
    [InlineData(503, ClientErrorKind.Overloaded, "UNAVAILABLE")]
    [InlineData(529, ClientErrorKind.Overloaded, "UNAVAILABLE")]
    [InlineData(504, ClientErrorKind.UpstreamFailed, "DEADLINE_EXCEEDED")]
    public void WriteError_HasGeminisShape(int status, ClientErrorKind kind, string statusName)
    {
        var output = new ArrayBufferWriter<byte>();

        GeminiCodec.Instance.WriteError(new ClientError(status, kind, "It's \"bad\" <here>"), "req_1", output);

        string text = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.Contains("It's \\\"bad\\\" <here>", text, StringComparison.Ordinal);
        var error = Parse(output.WrittenMemory).GetProperty("error");
        Assert.Equal(status, error.GetProperty("code").GetInt32());
        Assert.Equal(statusName, error.GetProperty("status").GetString());
        Assert.Equal("req_1", error.GetProperty("details")[0].GetProperty("requestId").GetString());
    }

    [Theory]
    [InlineData("gemini.error.400.json", "INVALID_ARGUMENT", "400")]
    [InlineData("gemini.error.429.json", "RESOURCE_EXHAUSTED", "429")]
    [InlineData("gemini.error.500.json", "INTERNAL", "500")]
    public void ReadError_ReadsTheSamples(string sample, string status, string code)
    {
        var detail = GeminiCodec.Instance.ReadError(WireSample.Bytes(sample));

        Assert.NotNull(detail);
        Assert.Equal(status, detail!.Type);
        Assert.Equal(code, detail.Code);
        Assert.StartsWith("Simulated", detail.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadError_Unreadable_IsNull()
    {
        Assert.Null(GeminiCodec.Instance.ReadError("<html>"u8));
        Assert.Null(GeminiCodec.Instance.ReadError("""{"candidates":[]}"""u8));
    }

    [Theory]
    [InlineData("gemini-cli.tool.00.json")]
    [InlineData("gemini-cli.tool.02.json")]
    [InlineData("google-genai-sdk.00.json")]
    public void TryInspect_Samples_TakeModelAndStreamFromThePath(string sample)
    {
        var (body, context) = Request(sample);

        Assert.True(GeminiCodec.Instance.TryInspect(body, context, out var facts, out var error), error?.Message);

        Assert.Equal(context.ModelFromPath, facts.Model);
        Assert.Equal(context.StreamFromPath, facts.Stream);
        Assert.Null(facts.MaxOutputTokens);
        Assert.Null(facts.IncludeUsage);
    }

    [Fact]
    public void TryInspect_ReadsMaxOutputTokens()
    {
        Assert.True(GeminiCodec.Instance.TryInspect("""{"contents":[],"generationConfig":{"temperature":1,"maxOutputTokens":256}}"""u8, new RequestContext("m", true), out var facts, out _));

        Assert.Equal(256, facts.MaxOutputTokens);
        Assert.True(facts.Stream);
    }

    [Theory]
    [InlineData("""{"contents":[]}""", null, "model")]
    [InlineData("""{"contents":[""", "m", null)]
    [InlineData("""[1]""", "m", null)]
    [InlineData("""{} {}""", "m", null)]
    public void TryInspect_BadInput_IsRefused(string body, string? model, string? param)
    {
        Assert.False(GeminiCodec.Instance.TryInspect(Encoding.UTF8.GetBytes(body), new RequestContext(model), out _, out var error));

        Assert.Equal(param, error!.Param);
    }

    [Fact]
    public void ModelsList_IsTheSampleShape()
    {
        var output = new ArrayBufferWriter<byte>();
        string[] ids = ["claude-sonnet-4-5", "claude-haiku-4-5", "gpt-5", "gpt-4o-mini", "qwen3-coder-plus", "gemini-2.5-pro"];

        GeminiModelsList.Write(ids.Select(id => (id, id)), output);

        Equivalent(Parse(WireSample.Bytes("gemini.models.list.json")), Parse(output.WrittenMemory));
    }

    [Fact]
    public void TranslationRules_CoverTheGeminiOnlyBookkeepingKeys()
    {
        foreach (string key in new[] { "gemini.role", "gemini.schemaField", "gemini.derivedId", "gemini.response", "gemini.responseSchemaField" })
        {
            Assert.NotNull(TranslationRules.LeftOutReason(key));
        }

        Assert.Null(TranslationRules.LeftOutReason("gemini.cachedContent"));
        Assert.Null(TranslationRules.LeftOutReason("gemini.generationConfig.candidateCount"));
    }
}
