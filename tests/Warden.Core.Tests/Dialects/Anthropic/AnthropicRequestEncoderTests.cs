using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects;
using Warden.Core.Dialects.Anthropic;

namespace Warden.Core.Tests.Dialects.Anthropic;

public class AnthropicRequestEncoderTests
{
    public static TheoryData<string> Samples() => AnthropicTestData.MessageSamples();

    [Theory]
    [MemberData(nameof(Samples))]
    public void EncodeOfDecode_KeepsEveryFieldAndValue(string sample)
    {
        var body = AnthropicTestData.Body(sample);
        Assert.True(AnthropicCodec.Instance.TryDecodeRequest(body, RequestContext.Empty, out var request, out _));

        var encoded = AnthropicCodec.Instance.EncodeRequest(request, request.Model);

        Assert.Null(encoded.Error);
        Assert.Empty(encoded.Changes);
        Assert.Null(AnthropicTestData.FirstDifference(AnthropicTestData.Parse(body), AnthropicTestData.Parse(encoded.Body.Span)));
    }

    [Fact]
    public void RoundTrip_KeepsRareSpellings()
    {
        var body = AnthropicTestData.Bytes("""
            {"model":"m","max_tokens":5,"system":"be brief","messages":[
              {"role":"user","content":[{"type":"document","source":{"type":"text","media_type":"text/plain","data":"héllo"},"title":"T","context":"c"},
                                        {"type":"image","source":{"type":"file","file_id":"f_1"}}]},
              {"role":"assistant","content":[{"type":"redacted_thinking","data":"abc"},{"type":"server_tool_use","id":"s","name":"web_search","input":{}},{"type":"tool_use","id":"t","name":"f","input":{}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"r"}],"is_error":true}]}],
             "tools":[{"type":"custom","name":"f","input_schema":{"type":"object"},"strict":true},{"type":"bash_20250124","name":"bash"}],
             "tool_choice":{"type":"auto","disable_parallel_tool_use":false},
             "thinking":{"type":"disabled"},"output_config":{"effort":"low","format":{"type":"json_schema","schema":{"type":"object"}}},
             "container":"c_1","temperature":1,"stop_sequences":["x"]}
            """);
        Assert.True(AnthropicCodec.Instance.TryDecodeRequest(body, RequestContext.Empty, out var request, out _));

        var encoded = AnthropicCodec.Instance.EncodeRequest(request, "m");

        Assert.Null(AnthropicTestData.FirstDifference(AnthropicTestData.Parse(body), AnthropicTestData.Parse(encoded.Body.Span)));
    }

    [Fact]
    public void UpstreamModel_ReplacesTheClientsModel()
    {
        Assert.True(AnthropicCodec.Instance.TryDecodeRequest(AnthropicTestData.Body("anthropic-sdk.05.json"), RequestContext.Empty, out var request, out _));

        var encoded = AnthropicCodec.Instance.EncodeRequest(request, "claude-sonnet-4-5-20250929");

        Assert.Equal("claude-sonnet-4-5-20250929", AnthropicTestData.Parse(encoded.Body.Span).GetProperty("model").GetString());
    }

    private static CanonicalRequest Foreign(WireDialectName origin = WireDialectName.OpenAIChat)
    {
        var request = new CanonicalRequest { Origin = origin, Model = "gpt-x" };
        return request;
    }

    private static JsonElement Encode(CanonicalRequest request, out EncodedRequest encoded)
    {
        encoded = AnthropicCodec.Instance.EncodeRequest(request, "claude-x");
        Assert.Null(encoded.Error);
        return AnthropicTestData.Parse(encoded.Body.Span);
    }

    [Fact]
    public void ForeignRequest_WithoutCap_GetsDefaultMaxTokens_AndSaysSo()
    {
        var request = Foreign();
        request.Messages.Add(new Message(MessageRole.User, [new TextBlock("hi")]) { WasString = true });

        var body = Encode(request, out var encoded);

        Assert.Equal(AnthropicCodec.DefaultMaxTokens, body.GetProperty("max_tokens").GetInt64());
        Assert.Contains("added:max_tokens=8192", encoded.Changes);
        Assert.Equal("hi", body.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Fact]
    public void ForeignConversation_SystemLeads_ToolResultsMerge_ReasoningIsLeftOut()
    {
        var request = Foreign(WireDialectName.Gemini);
        request.MaxOutputTokens = 100;
        request.User = "u1";
        request.Messages.Add(new Message(MessageRole.System, [new TextBlock("rules")]) { WasString = true });
        request.Messages.Add(new Message(MessageRole.Developer, [new TextBlock("more rules")]));
        request.Messages.Add(new Message(MessageRole.User, [new TextBlock("go")]) { WasString = true });
        request.Messages.Add(new Message(MessageRole.Assistant,
        [
            new ReasoningBlock("hmm", "gemini-sig", null, null, null, WireDialectName.Gemini),
            new ToolCallBlock("c1", "f", """{"a":1}"""),
            new ToolCallBlock("c2", "f", ""),
        ]));
        request.Messages.Add(new Message(MessageRole.User, [new ToolResultBlock("c1", "f", [new TextBlock("one")], false, true)]));
        request.Messages.Add(new Message(MessageRole.User, [new ToolResultBlock("c2", "f", [new TextBlock("two")], true, true)]));
        request.Messages.Add(new Message(MessageRole.System, [new TextBlock("late")]) { WasString = true });

        var body = Encode(request, out var encoded);

        var system = body.GetProperty("system");
        Assert.Equal(["rules", "more rules"], system.EnumerateArray().Select(b => b.GetProperty("text").GetString()));
        var messages = body.GetProperty("messages");
        Assert.Equal(["user", "assistant", "user", "system"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        var assistant = messages[1].GetProperty("content");
        Assert.Equal(2, assistant.GetArrayLength());
        Assert.Equal(1, assistant[0].GetProperty("input").GetProperty("a").GetInt32());
        Assert.Equal(JsonValueKind.Object, assistant[1].GetProperty("input").ValueKind);
        var results = messages[2].GetProperty("content");
        Assert.Equal(["c1", "c2"], results.EnumerateArray().Select(r => r.GetProperty("tool_use_id").GetString()));
        Assert.Equal("two", results[1].GetProperty("content").GetString());
        Assert.True(results[1].GetProperty("is_error").GetBoolean());
        Assert.Contains("left_out:reasoning[Gemini]", encoded.Changes);
        Assert.Equal("u1", body.GetProperty("metadata").GetProperty("user_id").GetString());
    }

    [Fact]
    public void ForeignOptions_MapToThinkingEffortFormatAndToolChoice()
    {
        var request = Foreign();
        request.MaxOutputTokens = 10;
        request.Messages.Add(new Message(MessageRole.User, [new ImageBlock(null, null, "data:image/png;base64,AAAA")]));
        request.Tools.Add(new ToolDefinition("function", "f", null, null) { Strict = true });
        request.ParallelToolCalls = false;
        request.Reasoning = new ReasoningOptions(true, 2048, "medium", false, null, null);
        request.OutputFormat = new OutputFormat(OutputFormatKind.JsonSchema, AnthropicTestData.Parse("""{"type":"object"}"""), "x", true);

        var body = Encode(request, out _);

        var source = body.GetProperty("messages")[0].GetProperty("content")[0].GetProperty("source");
        Assert.Equal(("base64", "image/png", "AAAA"), (source.GetProperty("type").GetString(), source.GetProperty("media_type").GetString(), source.GetProperty("data").GetString()));
        Assert.Equal("object", body.GetProperty("tools")[0].GetProperty("input_schema").GetProperty("type").GetString());
        Assert.True(body.GetProperty("tools")[0].GetProperty("strict").GetBoolean());
        Assert.True(body.GetProperty("tool_choice").GetProperty("disable_parallel_tool_use").GetBoolean());
        Assert.Equal(2048, body.GetProperty("thinking").GetProperty("budget_tokens").GetInt64());
        Assert.Equal("medium", body.GetProperty("output_config").GetProperty("effort").GetString());
        Assert.Equal("json_schema", body.GetProperty("output_format").GetProperty("type").GetString());
    }

    private static RequestParseError Refused(CanonicalRequest request)
    {
        request.MaxOutputTokens ??= 10;
        if (request.Messages.Count == 0)
        {
            request.Messages.Add(new Message(MessageRole.User, [new TextBlock("hi")]));
        }

        var encoded = AnthropicCodec.Instance.EncodeRequest(request, "claude-x");
        Assert.True(encoded.Body.IsEmpty);
        return encoded.Error!;
    }

    [Fact]
    public void JsonObjectFormat_IsRefusedNamingResponseFormat()
    {
        var request = Foreign();
        request.OutputFormat = new OutputFormat(OutputFormatKind.JsonObject, null, null, null);

        Assert.Equal("response_format", Refused(request).Param);
    }

    [Fact]
    public void ForeignServerTool_IsRefusedNamingTheTool()
    {
        var request = Foreign(WireDialectName.Responses);
        request.Tools.Add(new ToolDefinition("file_search", "file_search", null, null) { Raw = AnthropicTestData.Parse("""{"type":"file_search"}"""), Origin = WireDialectName.Responses });

        Assert.Equal("tools[0] (file_search)", Refused(request).Param);
    }

    [Fact]
    public void UnknownForeignExtension_IsRefusedNamingTheField()
    {
        var request = Foreign();
        request.Extensions["openai_chat.logit_bias"] = AnthropicTestData.Parse("{}");

        var error = Refused(request);

        Assert.Equal("logit_bias", error.Param);
        Assert.Contains("logit_bias", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForeignUnknownBlock_IsRefusedNamingIt()
    {
        var request = Foreign(WireDialectName.Gemini);
        request.Messages.Add(new Message(MessageRole.User, [new UnknownBlock(WireDialectName.Gemini, "executableCode", AnthropicTestData.Parse("{}"))]));

        Assert.Equal("messages[0].content[0]", Refused(request).Param);
    }

    [Fact]
    public void MinimalEffort_HasNoAnthropicEquivalent_AndIsRefused()
    {
        var request = Foreign();
        request.Reasoning = new ReasoningOptions(true, null, "minimal", false, null, null);

        Assert.Equal("reasoning_effort", Refused(request).Param);
    }

    [Fact]
    public void AnthropicExtensions_AreLeftOutForOtherDialects_ByRule()
    {
        Assert.True(AnthropicCodec.Instance.TryDecodeRequest(AnthropicTestData.Body("claude-code.tool.02.json"), RequestContext.Empty, out var request, out _));
        var changes = new List<string>();

        Assert.Null(TranslationRules.Check(request.Extensions, WireDialectName.OpenAIChat, changes));
        Assert.Contains("left_out:anthropic.context_management", changes);
        Assert.Contains("left_out:anthropic.metadata", changes);
        Assert.NotNull(TranslationRules.LeftOutReason("anthropic.cache_control"));
        Assert.Null(TranslationRules.LeftOutReason("anthropic.mcp_servers"));
        Assert.Null(TranslationRules.LeftOutReason("anthropic.container"));
    }

    [Fact]
    public void CountTokensBody_HasOnlyCountedParts()
    {
        Assert.True(AnthropicCodec.Instance.TryDecodeRequest(AnthropicTestData.Body("claude-code.thinking-tool.01.json"), RequestContext.Empty, out var request, out _));

        var encoded = AnthropicCodec.EncodeCountTokensRequest(request, "claude-x");

        var names = AnthropicTestData.Parse(encoded.Body.Span).EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["messages", "model", "system", "thinking", "tools"], names);
    }
}
