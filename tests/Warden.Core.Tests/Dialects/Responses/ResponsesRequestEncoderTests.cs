using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects.Responses;

namespace Warden.Core.Tests.Dialects.Responses;

public class ResponsesRequestEncoderTests
{
    public static TheoryData<string> Samples => new(ResponsesSamples.RequestSamples);

    [Theory]
    [MemberData(nameof(Samples))]
    public void SameDialect_EncodeOfDecode_IsStructurallyTheClientBody(string sample)
    {
        byte[] body = ResponsesSamples.Body(sample);
        var request = ResponsesSamples.Decode(body);

        var encoded = ResponsesCodec.Instance.EncodeRequest(request, request.Model);

        Assert.Null(encoded.Error);
        Assert.Empty(encoded.Changes);
        using var expected = JsonDocument.Parse(body);
        using var actual = JsonDocument.Parse(encoded.Body);
        ResponsesSamples.AssertJsonEquivalent(expected.RootElement, actual.RootElement);
    }

    [Fact]
    public void SameDialect_NamespaceToolIsRegrouped_AndNamespacedCallKeepsItsShape()
    {
        var request = ResponsesSamples.DecodeJson("""
            {"model":"m","input":[{"type":"function_call","call_id":"c1","namespace":"ns","name":"f","arguments":"{}"}],
             "tools":[{"type":"namespace","name":"ns","description":"d","tools":[{"type":"function","name":"f","parameters":{"type":"object"}},{"type":"function","name":"g","parameters":{"type":"object"}}]}]}
            """);

        using var doc = JsonDocument.Parse(ResponsesCodec.Instance.EncodeRequest(request, "m").Body);

        var tool = Assert.Single(doc.RootElement.GetProperty("tools").EnumerateArray());
        Assert.Equal("namespace", tool.GetProperty("type").GetString());
        Assert.Equal(["f", "g"], tool.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var call = doc.RootElement.GetProperty("input")[0];
        Assert.Equal("ns", call.GetProperty("namespace").GetString());
        Assert.Equal("f", call.GetProperty("name").GetString());
    }

    [Fact]
    public void ForeignRequest_MapsMessagesCallsAndResults_LeavesOutForeignReasoning_AndSetsStoreFalse()
    {
        var request = new CanonicalRequest { Origin = WireDialectName.Anthropic, Model = "claude", MaxOutputTokens = 1000, Stream = true };
        request.Messages.Add(new Message(MessageRole.System, [new TextBlock("be terse")]));
        request.Messages.Add(new Message(MessageRole.User, [new TextBlock("list files")]));
        request.Messages.Add(new Message(MessageRole.Assistant,
        [
            new ReasoningBlock("thinking", "sig==", null, null, null, WireDialectName.Anthropic),
            new TextBlock("Running ls."),
            new ToolCallBlock("toolu_1", "bash", "{\"cmd\":\"ls\"}"),
        ]));
        request.Messages.Add(new Message(MessageRole.User, [new ToolResultBlock("toolu_1", "bash", [new TextBlock("a.txt")], true, false)]));
        request.Tools.Add(new ToolDefinition(ToolDefinition.FunctionKind, "bash", "Runs bash", ResponsesSamples.DecodeJson("{\"model\":\"x\",\"input\":\"y\",\"text\":{\"format\":{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\"}}}}").OutputFormat!.Schema));
        request.Reasoning = new ReasoningOptions(true, 10000, null, false, null, null);

        var encoded = ResponsesCodec.Instance.EncodeRequest(request, "gpt-5");

        Assert.Null(encoded.Error);
        Assert.Contains("added:store=false", encoded.Changes);
        Assert.Contains("left_out:reasoning[Anthropic]", encoded.Changes);
        Assert.Contains("added:reasoning.effort=medium", encoded.Changes);
        Assert.Contains("left_out:tool_result.is_error", encoded.Changes);
        using var doc = JsonDocument.Parse(encoded.Body);
        var root = doc.RootElement;
        Assert.Equal("gpt-5", root.GetProperty("model").GetString());
        Assert.False(root.GetProperty("store").GetBoolean());
        Assert.Equal(1000, root.GetProperty("max_output_tokens").GetInt64());
        Assert.Equal("medium", root.GetProperty("reasoning").GetProperty("effort").GetString());
        var input = root.GetProperty("input").EnumerateArray().ToList();
        Assert.Equal(["message", "message", "message", "function_call", "function_call_output"], input.Select(i => i.GetProperty("type").GetString()));
        Assert.Equal("system", input[0].GetProperty("role").GetString());
        Assert.Equal("output_text", input[2].GetProperty("content")[0].GetProperty("type").GetString());
        Assert.False(input[3].TryGetProperty("id", out _));
        Assert.Equal("toolu_1", input[3].GetProperty("call_id").GetString());
        Assert.Equal("{\"cmd\":\"ls\"}", input[3].GetProperty("arguments").GetString());
        Assert.Equal("a.txt", input[4].GetProperty("output").GetString());
        Assert.Equal("function", root.GetProperty("tools")[0].GetProperty("type").GetString());
    }

    [Fact]
    public void ResponsesReasoningInsideAForeignRequest_IsSentByteExact()
    {
        var request = new CanonicalRequest { Origin = WireDialectName.Anthropic, Model = "m" };
        request.Messages.Add(new Message(MessageRole.Assistant, [new ReasoningBlock("t", null, "ENC+/=", null, "rs_1", WireDialectName.Responses)]));

        using var doc = JsonDocument.Parse(ResponsesCodec.Instance.EncodeRequest(request, "m").Body);

        var item = doc.RootElement.GetProperty("input")[0];
        Assert.Equal("reasoning", item.GetProperty("type").GetString());
        Assert.Equal("rs_1", item.GetProperty("id").GetString());
        Assert.Equal("ENC+/=", item.GetProperty("encrypted_content").GetString());
    }

    [Fact]
    public void StopSequences_AreRefusedNamingStop()
    {
        var request = new CanonicalRequest { Origin = WireDialectName.Anthropic, Model = "m", StopSequences = ["\n\nHuman:"] };
        request.Messages.Add(new Message(MessageRole.User, [new TextBlock("hi")]));

        var encoded = ResponsesCodec.Instance.EncodeRequest(request, "m");

        Assert.Equal("stop", encoded.Error!.Param);
        Assert.Contains("'stop'", encoded.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TopK_IsLeftOutAndDeclared()
    {
        var request = new CanonicalRequest { Origin = WireDialectName.Gemini, Model = "m", TopK = 40 };

        var encoded = ResponsesCodec.Instance.EncodeRequest(request, "m");

        Assert.Null(encoded.Error);
        Assert.Contains("left_out:top_k", encoded.Changes);
        Assert.DoesNotContain("top_k", System.Text.Encoding.UTF8.GetString(encoded.Body.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void ForeignExtensionWithoutRule_IsRefusedNamingIt()
    {
        var request = new CanonicalRequest { Origin = WireDialectName.Anthropic, Model = "m" };
        request.Extensions["anthropic.some_future_field"] = JsonDocument.Parse("{}").RootElement.Clone();

        var encoded = ResponsesCodec.Instance.EncodeRequest(request, "m");

        Assert.Equal("some_future_field", encoded.Error!.Param);
        Assert.Contains("anthropic.some_future_field", encoded.Error.Message, StringComparison.Ordinal);
        Assert.Contains("Responses", encoded.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForeignHostedTool_IsRefusedNamingItsIndexAndType()
    {
        var request = new CanonicalRequest { Origin = WireDialectName.Anthropic, Model = "m" };
        request.Tools.Add(new ToolDefinition("web_search_20250305", "web_search", null, null) { Origin = WireDialectName.Anthropic, Raw = JsonDocument.Parse("{}").RootElement.Clone() });

        var encoded = ResponsesCodec.Instance.EncodeRequest(request, "m");

        Assert.Equal("tools[0] (web_search_20250305)", encoded.Error!.Param);
    }

    [Fact]
    public void CodexRequest_AllResponsesExtensions_MayBeLeftOutForAnotherDialect()
    {
        var request = ResponsesSamples.Decode("codex.reasoning-tool.01.json");
        var changes = new List<string>();

        Assert.Null(TranslationRules.Check(request.Extensions, WireDialectName.Anthropic, changes));
        foreach (var message in request.Messages)
        {
            Assert.Null(TranslationRules.Check(message.Extensions, WireDialectName.Anthropic, changes));
            foreach (var block in message.Content)
            {
                Assert.Null(TranslationRules.Check(block.Extensions, WireDialectName.Anthropic, changes));
            }
        }

        foreach (var tool in request.Tools)
        {
            Assert.Null(TranslationRules.Check(tool.Extensions, WireDialectName.Anthropic, changes));
        }

        Assert.Contains("left_out:responses.store", changes);
        Assert.Contains("left_out:responses.namespace", changes);
        Assert.Contains("left_out:responses.id", changes);
        Assert.NotNull(TranslationRules.LeftOutReason("responses.tool:web_search"));
    }

    [Fact]
    public void PreviousResponseId_HasNoLeftOutRule_SoOtherDialectsRefuseIt()
    {
        var request = ResponsesSamples.DecodeJson("{\"model\":\"m\",\"input\":\"hi\",\"previous_response_id\":\"resp_1\"}");
        var changes = new List<string>();

        Assert.Equal("responses.previous_response_id", TranslationRules.Check(request.Extensions, WireDialectName.OpenAIChat, changes));
        Assert.Null(TranslationRules.LeftOutReason("responses.previous_response_id"));
    }

    [Fact]
    public void SameDialect_TruncationToolChoiceAndTextFormat_RoundTrip()
    {
        byte[] body = """
            {"model":"m","input":"hi","truncation":"disabled","tool_choice":{"type":"function","namespace":"ns","name":"f"},
             "tools":[{"type":"namespace","name":"ns","description":"d","tools":[{"type":"function","name":"f","parameters":{"type":"object"}}]}],
             "text":{"format":{"type":"json_schema","name":"out","schema":{"type":"object"},"strict":true},"verbosity":"low"},
             "instructions":"sys","max_output_tokens":64,"temperature":0.5,"top_p":0.9,"user":"u1","metadata":{"k":"v"}}
            """u8.ToArray();
        var request = ResponsesSamples.Decode(body);

        var encoded = ResponsesCodec.Instance.EncodeRequest(request, "m");

        using var expected = JsonDocument.Parse(body);
        using var actual = JsonDocument.Parse(encoded.Body);
        ResponsesSamples.AssertJsonEquivalent(expected.RootElement, actual.RootElement);
    }

    [Fact]
    public void TruncationAuto_HasNoLeftOutRule_WhileDisabledHasOne()
    {
        var auto = ResponsesSamples.DecodeJson("{\"model\":\"m\",\"input\":\"hi\",\"truncation\":\"auto\"}");
        var disabled = ResponsesSamples.DecodeJson("{\"model\":\"m\",\"input\":\"hi\",\"truncation\":\"disabled\"}");
        var changes = new List<string>();

        Assert.Equal("responses.truncation", TranslationRules.Check(auto.Extensions, WireDialectName.Anthropic, changes));
        Assert.Null(TranslationRules.Check(disabled.Extensions, WireDialectName.Anthropic, changes));
        Assert.Contains("left_out:responses.truncation:disabled", changes);
    }

    [Fact]
    public void ForeignBlockExtensionWithoutRule_IsRefusedNamingItsPlace()
    {
        var request = new CanonicalRequest { Origin = WireDialectName.Gemini, Model = "m" };
        var extensions = new Dictionary<string, JsonElement> { ["gemini.some_future_part_field"] = JsonDocument.Parse("1").RootElement.Clone() };
        request.Messages.Add(new Message(MessageRole.User, [new TextBlock("hi") { Extensions = extensions }]));

        var encoded = ResponsesCodec.Instance.EncodeRequest(request, "m");

        Assert.Equal("messages[0].content[0].some_future_part_field", encoded.Error!.Param);
        Assert.Contains("gemini.some_future_part_field", encoded.Error.Message, StringComparison.Ordinal);
    }
}
