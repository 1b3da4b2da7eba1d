using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects.Gemini;
using static Warden.Core.Tests.Dialects.Gemini.GeminiTestSupport;

namespace Warden.Core.Tests.Dialects.Gemini;

public class GeminiRequestEncoderTests
{
    [Theory]
    [InlineData("gemini-cli.tool.00.json")]
    [InlineData("gemini-cli.tool.01.json")]
    [InlineData("gemini-cli.tool.02.json")]
    [InlineData("google-genai-sdk.00.json")]
    [InlineData("google-genai-sdk.01.json")]
    [InlineData("google-genai-sdk.02.json")]
    [InlineData("google-genai-sdk.03.json")]
    public void SameDialect_EncodeOfDecode_IsStructurallyTheClientsBody(string sample)
    {
        var (body, context) = Request(sample);
        Assert.True(GeminiCodec.Instance.TryDecodeRequest(body, context, out var request, out _));

        var encoded = GeminiCodec.Instance.EncodeRequest(request, "upstream-model");

        Assert.Null(encoded.Error);
        Assert.Empty(encoded.Changes);
        var expected = Parse(body);
        var actual = Parse(encoded.Body);
        if (expected.TryGetProperty("generationConfig", out var config) && !config.EnumerateObject().Any())
        {
            // An empty generationConfig says nothing; it is not written back.
            expected = Parse(Without(expected, "generationConfig"));
        }

        Equivalent(expected, actual);
    }

    [Fact]
    public void SameDialect_UpperCaseParameters_RoundTripAndTranslateInLowerCase()
    {
        const string Body = """{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT","properties":{"a":{"type":"STRING"}}}}]}]}""";
        Assert.True(GeminiCodec.Instance.TryDecodeRequest(Encoding.UTF8.GetBytes(Body), new RequestContext("m"), out var request, out _));

        Assert.Equal("string", request.Tools[0].InputSchema!.Value.GetProperty("properties").GetProperty("a").GetProperty("type").GetString());
        var encoded = GeminiCodec.Instance.EncodeRequest(request, "m");
        Equivalent(Parse(Body), Parse(encoded.Body));
    }

    [Fact]
    public void Translated_ConversationFromAnotherDialect_FollowsGeminiRules()
    {
        var request = new CanonicalRequest { Origin = WireDialectName.Anthropic, Model = "claude", User = "u1", ParallelToolCalls = false, MaxOutputTokens = 500 };
        request.Messages.Add(new Message(MessageRole.System, [new TextBlock("Be brief.")]));
        request.Messages.Add(new Message(MessageRole.User, [new TextBlock("first")]));
        request.Messages.Add(new Message(MessageRole.User, [new TextBlock("second")]));
        request.Messages.Add(new Message(MessageRole.Assistant, [
            new ReasoningBlock("I think", "anthropic-signature", null, null, null, WireDialectName.Anthropic),
            new ToolCallBlock("toolu_1", "get_weather", """{"city":"Paris"}"""),
        ]));
        request.Messages.Add(new Message(MessageRole.System, [new TextBlock("Mid-conversation note.")]));
        request.Messages.Add(new Message(MessageRole.User, [new ToolResultBlock("toolu_1", null, [new TextBlock("sunny")], false, true)]));
        request.Tools.Add(new ToolDefinition("function", "get_weather", "Weather", Parse("""{"type":"object","properties":{"city":{"type":"string"}}}""")));
        request.ToolChoice = new ToolChoice(ToolChoiceMode.Specific, "get_weather");
        request.Reasoning = new ReasoningOptions(true, null, "xhigh", false, null, null);

        var encoded = GeminiCodec.Instance.EncodeRequest(request, "gemini-2.5-pro");

        Assert.Null(encoded.Error);
        var body = Parse(encoded.Body);
        var system = body.GetProperty("systemInstruction").GetProperty("parts");
        Assert.Equal(["Be brief.", "Mid-conversation note."], system.EnumerateArray().Select(p => p.GetProperty("text").GetString()));
        var contents = body.GetProperty("contents");
        Assert.Equal(["user", "model", "user"], contents.EnumerateArray().Select(c => c.GetProperty("role").GetString()));
        Assert.Equal(2, contents[0].GetProperty("parts").GetArrayLength());
        var modelPart = contents[1].GetProperty("parts").EnumerateArray().Single();
        Assert.Equal("toolu_1", modelPart.GetProperty("functionCall").GetProperty("id").GetString());
        Assert.Equal("Paris", modelPart.GetProperty("functionCall").GetProperty("args").GetProperty("city").GetString());
        var response = contents[2].GetProperty("parts")[0].GetProperty("functionResponse");
        Assert.Equal("get_weather", response.GetProperty("name").GetString());
        Assert.Equal("sunny", response.GetProperty("response").GetProperty("output").GetString());
        Assert.Equal("ANY", body.GetProperty("toolConfig").GetProperty("functionCallingConfig").GetProperty("mode").GetString());
        Assert.Equal("get_weather", body.GetProperty("toolConfig").GetProperty("functionCallingConfig").GetProperty("allowedFunctionNames")[0].GetString());
        Assert.Equal("parametersJsonSchema", body.GetProperty("tools")[0].GetProperty("functionDeclarations")[0].EnumerateObject().Last().Name);
        Assert.Equal("HIGH", body.GetProperty("generationConfig").GetProperty("thinkingConfig").GetProperty("thinkingLevel").GetString());
        Assert.Equal(500, body.GetProperty("generationConfig").GetProperty("maxOutputTokens").GetInt32());
        Assert.Contains("left_out:reasoning[Anthropic]", encoded.Changes);
        Assert.Contains("moved:system message 4 to systemInstruction", encoded.Changes);
        Assert.Contains("left_out:user", encoded.Changes);
        Assert.Contains("left_out:parallel_tool_calls", encoded.Changes);
        Assert.Contains("mapped:reasoning.effort=xhigh to thinkingLevel=HIGH", encoded.Changes);
    }

    [Fact]
    public void Translated_JsonObjectToolResultAndErrors_UseGeminiShapes()
    {
        var request = new CanonicalRequest { Origin = WireDialectName.OpenAIChat, Model = "m" };
        request.Messages.Add(new Message(MessageRole.Assistant, [new ToolCallBlock("c1", "f", "{}"), new ToolCallBlock("c2", "g", "{}")]));
        request.Messages.Add(new Message(MessageRole.User, [
            new ToolResultBlock("c1", null, [new TextBlock("""{"temp":21}""")], false, false),
            new ToolResultBlock("c2", null, [new TextBlock("boom")], true, true),
        ]));
        request.OutputFormat = new OutputFormat(OutputFormatKind.JsonObject, null, null, null);
        request.Reasoning = new ReasoningOptions(null, null, null, true, true, null);

        var body = Parse(GeminiCodec.Instance.EncodeRequest(request, "m").Body);

        var parts = body.GetProperty("contents")[1].GetProperty("parts");
        Assert.Equal(21, parts[0].GetProperty("functionResponse").GetProperty("response").GetProperty("temp").GetInt32());
        Assert.Equal("boom", parts[1].GetProperty("functionResponse").GetProperty("response").GetProperty("error").GetString());
        Assert.Equal("application/json", body.GetProperty("generationConfig").GetProperty("responseMimeType").GetString());
        Assert.Equal(-1, body.GetProperty("generationConfig").GetProperty("thinkingConfig").GetProperty("thinkingBudget").GetInt32());
        Assert.True(body.GetProperty("generationConfig").GetProperty("thinkingConfig").GetProperty("includeThoughts").GetBoolean());
    }

    [Fact]
    public void Translated_UnknownForeignExtension_IsRefusedNamingIt()
    {
        var request = new CanonicalRequest { Origin = WireDialectName.Anthropic, Model = "m" };
        request.Messages.Add(new Message(MessageRole.User, [new TextBlock("hi")]));
        request.Extensions["anthropic.container"] = Parse("\"c1\"");

        var encoded = GeminiCodec.Instance.EncodeRequest(request, "m");

        Assert.NotNull(encoded.Error);
        Assert.Equal("anthropic.container", encoded.Error!.Param);
        Assert.Contains("Gemini", encoded.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Translated_ForeignBuiltInToolWithoutRule_IsRefused()
    {
        var request = new CanonicalRequest { Origin = WireDialectName.Responses, Model = "m" };
        request.Messages.Add(new Message(MessageRole.User, [new TextBlock("hi")]));
        request.Tools.Add(new ToolDefinition("file_search", "file_search", null, null) { Raw = Parse("""{"type":"file_search"}"""), Origin = WireDialectName.Responses });

        var encoded = GeminiCodec.Instance.EncodeRequest(request, "m");

        Assert.Equal("tools[0] (file_search)", encoded.Error!.Param);
    }

    [Fact]
    public void CountTokens_UsesTheGenerateContentRequestForm()
    {
        var request = Decode("gemini-cli.tool.02.json");

        var encoded = GeminiCodec.EncodeCountTokensRequest(request, "gemini-2.5-pro");

        var root = Parse(encoded.Body);
        Assert.Equal(["generateContentRequest"], root.EnumerateObject().Select(p => p.Name));
        var inner = root.GetProperty("generateContentRequest");
        Assert.Equal("models/gemini-2.5-pro", inner.GetProperty("model").GetString());
        Assert.Equal(["model", "systemInstruction", "contents", "tools"], inner.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void CountTokensResponse_IsTheSampleShape()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();

        GeminiCodec.WriteCountTokensResponse(12, output);

        Equivalent(Parse(WireSample.Bytes("gemini.countTokens.json")), Parse(output.WrittenMemory));
    }

    private static string Without(JsonElement element, string name)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in element.EnumerateObject().Where(p => p.Name != name))
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
