using Warden.Core.Canonical;
using Warden.Core.Dialects;
using Warden.Core.Dialects.Anthropic;

namespace Warden.Core.Tests.Dialects.Anthropic;

public class AnthropicRequestDecoderTests
{
    private static CanonicalRequest Decode(byte[] body)
    {
        Assert.True(AnthropicCodec.Instance.TryDecodeRequest(body, RequestContext.Empty, out var request, out var error), error?.Message);
        return request;
    }

    private static RequestParseError DecodeFails(string json)
    {
        Assert.False(AnthropicCodec.Instance.TryDecodeRequest(AnthropicTestData.Bytes(json), RequestContext.Empty, out _, out var error));
        return error!;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void EverySample_Decodes_WithModelMessagesAndMaxTokens(string sample)
    {
        var body = AnthropicTestData.Body(sample);
        var root = AnthropicTestData.Parse(body);

        var request = Decode(body);

        Assert.Equal(WireDialectName.Anthropic, request.Origin);
        Assert.Equal(root.GetProperty("model").GetString(), request.Model);
        Assert.Equal(root.GetProperty("max_tokens").GetInt64(), request.MaxOutputTokens);
        Assert.Equal(root.TryGetProperty("stream", out var stream) && stream.GetBoolean(), request.Stream);
        int systemMessages = root.TryGetProperty("system", out _) ? 1 : 0;
        Assert.Equal(root.GetProperty("messages").GetArrayLength() + systemMessages, request.Messages.Count);
    }

    public static TheoryData<string> Samples() => AnthropicTestData.MessageSamples();

    [Fact]
    public void Samples_IncludeClaudeCodeAndSdk()
    {
        var samples = Samples().Cast<object[]>().Select(row => (string)row[0]).ToList();
        Assert.Contains("claude-code.thinking-tool.02.json", samples);
        Assert.Contains("anthropic-sdk.02.json", samples);
        Assert.DoesNotContain("anthropic-sdk.03.json", samples); // count_tokens
    }

    [Fact]
    public void ClaudeCode_KeepsTopLevelSystemFirst_AndMidConversationSystemInPlace()
    {
        var request = Decode(AnthropicTestData.Body("claude-code.thinking-tool.02.json"));

        Assert.Equal(
            [MessageRole.System, MessageRole.User, MessageRole.System, MessageRole.Assistant, MessageRole.User],
            request.Messages.Select(m => m.Role));
        var system = request.Messages[0];
        Assert.False(system.WasString);
        Assert.Equal(3, system.Content.Count);
        Assert.Null(system.Content[0].Extensions);
        Assert.Equal("ephemeral", system.Content[1].Extensions!["anthropic.cache_control"].GetProperty("type").GetString());
        var midConversation = request.Messages[2];
        Assert.True(midConversation.WasString);
        Assert.IsType<TextBlock>(Assert.Single(midConversation.Content));
    }

    [Fact]
    public void ClaudeCode_ThinkingSignature_IsKeptByteExact()
    {
        var request = Decode(AnthropicTestData.Body("claude-code.thinking-tool.02.json"));

        var reasoning = Assert.IsType<ReasoningBlock>(request.Messages[3].Content[0]);
        Assert.Equal("c2lnbmF0dXJlLXBsYWNlaG9sZGVy", reasoning.Signature);
        Assert.Equal("Let me think briefly.", reasoning.Text);
        Assert.Equal(WireDialectName.Anthropic, reasoning.Origin);
    }

    [Fact]
    public void ClaudeCode_ToolUseAndToolResult_AreDecoded()
    {
        var request = Decode(AnthropicTestData.Body("claude-code.thinking-tool.02.json"));

        var call = Assert.IsType<ToolCallBlock>(request.Messages[3].Content[2]);
        Assert.Equal("Bash", call.Name);
        var body = AnthropicTestData.Parse(AnthropicTestData.Body("claude-code.thinking-tool.02.json"));
        var input = body.GetProperty("messages")[2].GetProperty("content")[2].GetProperty("input");
        Assert.Equal(input.GetRawText(), call.ArgumentsJson); // byte-exact, whitespace included
        var result = Assert.IsType<ToolResultBlock>(Assert.Single(request.Messages[4].Content));
        Assert.Equal(call.Id, result.CallId);
        Assert.True(result.WasString);
        Assert.False(result.IsError);
        Assert.Equal("hello-from-tool", Assert.IsType<TextBlock>(Assert.Single(result.Content)).Text);
        Assert.True(result.Extensions!.ContainsKey("anthropic.cache_control"));
    }

    [Fact]
    public void ClaudeCode_TopLevelOptions_MapToCanonicalOrExtensions()
    {
        var request = Decode(AnthropicTestData.Body("claude-code.thinking-tool.01.json"));

        Assert.Equal(new ReasoningOptions(true, null, "high", true, null, null), request.Reasoning);
        Assert.Equal(24, request.Tools.Count);
        Assert.All(request.Tools, t => Assert.True(t.IsFunction));
        Assert.NotNull(request.User);
        Assert.True(request.Extensions.ContainsKey("anthropic.metadata"));
        Assert.True(request.Extensions.ContainsKey("anthropic.context_management"));
        Assert.False(request.Extensions.ContainsKey("anthropic.thinking"));
        Assert.False(request.Extensions.ContainsKey("anthropic.output_config"));
    }

    [Fact]
    public void SdkThinkingBudget_IsEnabledWithBudget()
    {
        var request = Decode(AnthropicTestData.Body("anthropic-sdk.01.json"));

        Assert.Equal(new ReasoningOptions(true, 1024, null, false, null, null), request.Reasoning);
    }

    [Fact]
    public void ContentBlocks_OfEveryKind_Decode()
    {
        var request = Decode(AnthropicTestData.Bytes("""
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
              {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBO"}},
              {"type":"image","source":{"type":"url","url":"https://x/y.png"}},
              {"type":"document","source":{"type":"text","media_type":"text/plain","data":"hello"},"title":"T","context":"c"},
              {"type":"search_result","source":"s","title":"t","content":[]},
              {"type":"text","text":"see","citations":[{"type":"char_location"}]}
            ]},{"role":"assistant","content":[{"type":"redacted_thinking","data":"opaque=="}]}]}
            """));

        var blocks = request.Messages[0].Content;
        Assert.Equal(new ImageBlock("image/png", "iVBO", null), blocks[0] with { Extensions = null });
        Assert.Equal(new ImageBlock(null, null, "https://x/y.png"), blocks[1]);
        var document = Assert.IsType<DocumentBlock>(blocks[2]);
        Assert.Equal(("text/plain", "aGVsbG8=", "T"), (document.MediaType, document.Data, document.Title));
        Assert.True(document.Extensions!.ContainsKey("anthropic.context"));
        var unknown = Assert.IsType<UnknownBlock>(blocks[3]);
        Assert.Equal(("search_result", WireDialectName.Anthropic), (unknown.Type, unknown.Origin));
        Assert.True(blocks[4].Extensions!.ContainsKey("anthropic.citations"));
        var redacted = Assert.IsType<ReasoningBlock>(request.Messages[1].Content[0]);
        Assert.Equal("opaque==", redacted.RedactedData);
    }

    [Fact]
    public void ToolsAndToolChoice_Decode()
    {
        var request = Decode(AnthropicTestData.Bytes("""
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],
             "tools":[{"name":"f","description":"d","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}},
                      {"type":"web_search_20250305","name":"web_search","max_uses":2}],
             "tool_choice":{"type":"tool","name":"f","disable_parallel_tool_use":true},
             "temperature":0.5,"top_p":0.9,"top_k":40,"stop_sequences":["END"],
             "service_tier":"auto","mcp_servers":[]}
            """));

        Assert.True(request.Tools[0].IsFunction);
        Assert.True(request.Tools[0].Extensions!.ContainsKey("anthropic.cache_control"));
        Assert.Equal("web_search_20250305", request.Tools[1].Kind);
        Assert.Equal(2, request.Tools[1].Raw!.Value.GetProperty("max_uses").GetInt32());
        Assert.Equal(new ToolChoice(ToolChoiceMode.Specific, "f"), request.ToolChoice);
        Assert.False(request.ParallelToolCalls);
        Assert.Equal((0.5, 0.9, 40), (request.Temperature, request.TopP, request.TopK));
        Assert.Equal(["END"], request.StopSequences!);
        Assert.True(request.Extensions.ContainsKey("anthropic.service_tier"));
        Assert.True(request.Extensions.ContainsKey("anthropic.mcp_servers"));
    }

    [Fact]
    public void OutputFormat_FromBetaFieldOrOutputConfig_IsJsonSchema()
    {
        var beta = Decode(AnthropicTestData.Bytes("""{"model":"m","max_tokens":1,"messages":[],"output_format":{"type":"json_schema","schema":{"type":"object"}}}"""));
        var config = Decode(AnthropicTestData.Bytes("""{"model":"m","max_tokens":1,"messages":[],"output_config":{"format":{"type":"json_schema","schema":{"type":"object"}}}}"""));

        Assert.Equal(OutputFormatKind.JsonSchema, beta.OutputFormat!.Kind);
        Assert.Equal(OutputFormatKind.JsonSchema, config.OutputFormat!.Kind);
    }

    [Fact]
    public void MissingMaxTokens_IsRefusedNamingIt()
    {
        var error = DecodeFails("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal("max_tokens", error.Param);
    }

    [Fact]
    public void CountTokensBody_DecodesWithoutMaxTokens()
    {
        Assert.True(AnthropicCodec.TryDecodeCountTokensRequest(AnthropicTestData.Body("anthropic-sdk.03.json"), out var request, out _));

        Assert.Null(request.MaxOutputTokens);
        Assert.Single(request.Tools);
    }

    [Theory]
    [InlineData("""{"model":"m","max_tokens":1,"messages":[{"role":"tool","content":"x"}]}""", "messages.0.role")]
    [InlineData("""{"model":"m","max_tokens":1,"messages":[{"role":"user"}]}""", "messages.0.content")]
    [InlineData("""{"model":"m","max_tokens":"ten","messages":[]}""", "max_tokens")]
    [InlineData("""{"model":"m","max_tokens":1}""", "messages")]
    [InlineData("""{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_use","name":"f"}]}]}""", "messages.0.content.0.id")]
    [InlineData("""{"model":"m","max_tokens":1,"messages":[],"tool_choice":{"type":"sometimes"}}""", "tool_choice.type")]
    [InlineData("""{"max_tokens":1,"messages":[]}""", "model")]
    public void BadFields_AreRefusedNamingTheField(string json, string param)
    {
        Assert.Equal(param, DecodeFails(json).Param);
    }

    [Fact]
    public void EnvelopedSignature_UnwrapsToTheOriginalProvidersReasoning()
    {
        string envelope = ReasoningEnvelope.Wrap(new ReasoningBlock(null, null, "enc-bytes", null, "rs_1", WireDialectName.Responses));
        var body = AnthropicTestData.Bytes($$"""
            {"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"{{envelope}}"}]}]}
            """);

        var reasoning = Assert.IsType<ReasoningBlock>(Decode(body).Messages[0].Content[0]);

        Assert.Equal((WireDialectName.Responses, "enc-bytes", "rs_1", "t"), (reasoning.Origin, reasoning.EncryptedContent, reasoning.Id, reasoning.Text));
    }
}
