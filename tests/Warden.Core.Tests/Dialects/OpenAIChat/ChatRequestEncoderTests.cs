using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects.OpenAIChat;

namespace Warden.Core.Tests.Dialects.OpenAIChat;

public class ChatRequestEncoderTests
{
    private static readonly OpenAIChatCodec Codec = OpenAIChatCodec.Instance;

    public static TheoryData<string> Samples => new(ChatTestJson.ChatRequestSamples);

    [Theory]
    [MemberData(nameof(Samples))]
    public void SameDialect_EncodeOfDecode_IsStructurallyEqual(string sample)
    {
        byte[] body = ChatTestJson.RequestBody(sample);
        var request = ChatTestJson.Decode(body);
        string model = request.Model;

        var encoded = Codec.EncodeRequest(request, model);

        Assert.Null(encoded.Error);
        Assert.DoesNotContain(encoded.Changes, c => !c.StartsWith("added:stream_options", StringComparison.Ordinal));
        using var expected = JsonDocument.Parse(body);
        using var actual = JsonDocument.Parse(encoded.Body);
        ChatTestJson.AssertEquivalent(expected.RootElement, actual.RootElement);
    }

    [Theory]
    [InlineData("""{"a":1,"b":null}""", """{"a":1}""", true)]
    [InlineData("""{"a":1}""", """{"a":1.0}""", true)]
    [InlineData("""{"a":1}""", """{"a":2}""", false)]
    [InlineData("""{"a":[1,2]}""", """{"a":[2,1]}""", false)]
    [InlineData("""{"a":"x"}""", """{"a":"x","c":false}""", false)]
    public void StructuralComparison_TellsDifferencesApart(string left, string right, bool equal)
    {
        using var a = JsonDocument.Parse(left);
        using var b = JsonDocument.Parse(right);

        var failure = Record.Exception(() => ChatTestJson.AssertEquivalent(a.RootElement, b.RootElement));

        Assert.Equal(equal, failure is null);
    }

    [Fact]
    public void SameDialect_KeepsTheClientsFieldNames()
    {
        var request = ChatTestJson.Decode("""
            {"model":"m","messages":[{"role":"developer","content":"d"},{"role":"assistant","content":[{"type":"text","text":"a"}],"reasoning_content":"r"}],
             "max_completion_tokens":5,"stop":"X","safety_identifier":"s","top_k":4,"seed":1}
            """);

        var encoded = Codec.EncodeRequest(request, "upstream-model");

        using var document = JsonDocument.Parse(encoded.Body);
        var root = document.RootElement;
        Assert.Equal("upstream-model", root.GetProperty("model").GetString());
        Assert.Equal(5, root.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal("X", root.GetProperty("stop").GetString());
        Assert.Equal("s", root.GetProperty("safety_identifier").GetString());
        Assert.Equal(4, root.GetProperty("top_k").GetInt32());
        Assert.Equal(1, root.GetProperty("seed").GetInt32());
        Assert.Equal("developer", root.GetProperty("messages")[0].GetProperty("role").GetString());
        Assert.Equal("r", root.GetProperty("messages")[1].GetProperty("reasoning_content").GetString());
        Assert.False(root.TryGetProperty("user", out _));
    }

    [Fact]
    public void ForeignOrigin_MapsRolesToolResultsAndParameters()
    {
        var request = new CanonicalRequest { Origin = WireDialectName.Anthropic, Model = "claude", Stream = true, MaxOutputTokens = 64000, TopP = 0.5 };
        request.Messages.Add(new Message(MessageRole.System, [new TextBlock("sys")]) { WasString = true });
        request.Messages.Add(new Message(MessageRole.Developer, [new TextBlock("dev")]) { WasString = true });
        request.Messages.Add(new Message(MessageRole.User, [new TextBlock("look"), new ImageBlock("image/jpeg", "/9j/", null)]));
        request.Messages.Add(new Message(MessageRole.Assistant,
        [
            new ReasoningBlock("hmm", "sig", null, null, null, WireDialectName.Anthropic),
            new TextBlock("calling"),
            new ToolCallBlock("toolu_1", "f", "{\"a\":1}"),
            new ToolCallBlock("toolu_2", "g", "{}"),
        ]));
        request.Messages.Add(new Message(MessageRole.User,
        [
            new ToolResultBlock("toolu_1", null, [new TextBlock("r1")], false, true),
            new ToolResultBlock("toolu_2", null, [new TextBlock("r2a"), new TextBlock("r2b")], true, false),
            new TextBlock("continue"),
        ]));
        request.Tools.Add(new ToolDefinition(ToolDefinition.FunctionKind, "f", "does f", JsonDocument.Parse("""{"type":"object"}""").RootElement));
        request.ToolChoice = new ToolChoice(ToolChoiceMode.Required, null);
        request.Reasoning = new ReasoningOptions(true, 31999, null, false, null, null);
        request.StopSequences = ["\n\nHuman:"];

        var encoded = Codec.EncodeRequest(request, "gpt-x");

        Assert.Null(encoded.Error);
        using var document = JsonDocument.Parse(encoded.Body);
        var root = document.RootElement;
        var messages = root.GetProperty("messages");
        Assert.Equal(["system", "system", "user", "assistant", "tool", "tool", "user"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("sys", messages[0].GetProperty("content").GetString());
        Assert.Equal("data:image/jpeg;base64,/9j/", messages[2].GetProperty("content")[1].GetProperty("image_url").GetProperty("url").GetString());
        var assistant = messages[3];
        Assert.Equal("calling", assistant.GetProperty("content").GetString());
        Assert.False(assistant.TryGetProperty("reasoning_content", out _));
        Assert.Equal(2, assistant.GetProperty("tool_calls").GetArrayLength());
        Assert.Equal("{\"a\":1}", assistant.GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetString());
        Assert.Equal("toolu_1", messages[4].GetProperty("tool_call_id").GetString());
        Assert.Equal("r1", messages[4].GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Array, messages[5].GetProperty("content").ValueKind);
        Assert.Equal("continue", messages[6].GetProperty("content")[0].GetProperty("text").GetString());

        Assert.Equal(64000, root.GetProperty("max_tokens").GetInt32());
        Assert.False(root.TryGetProperty("max_completion_tokens", out _));
        Assert.Equal("high", root.GetProperty("reasoning_effort").GetString());
        Assert.Equal("required", root.GetProperty("tool_choice").GetString());
        Assert.Equal("\n\nHuman:", root.GetProperty("stop")[0].GetString());
        Assert.True(root.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Contains("added:stream_options.include_usage=true", encoded.Changes);
        Assert.Contains("added:reasoning_effort=high", encoded.Changes);
        Assert.Contains("left_out:reasoning[Anthropic]", encoded.Changes);
        Assert.Contains("left_out:tool_result.is_error", encoded.Changes);
    }

    [Fact]
    public void ToolMessageName_GoesBackToAChatUpstreamOnlyForAChatClient()
    {
        var chat = ChatTestJson.Decode("""{"model":"m","messages":[{"role":"tool","tool_call_id":"a","name":"f","content":"r"}]}""");
        var gemini = new CanonicalRequest { Origin = WireDialectName.Gemini, Model = "m" };
        gemini.Messages.Add(new Message(MessageRole.User, [new ToolResultBlock("a", "f", [new TextBlock("r")], false, true)]));

        using var fromChat = JsonDocument.Parse(Codec.EncodeRequest(chat, "m").Body);
        using var fromGemini = JsonDocument.Parse(Codec.EncodeRequest(gemini, "m").Body);

        Assert.Equal("f", Assert.IsType<ToolResultBlock>(chat.Messages[0].Content[0]).Name);
        Assert.Equal("f", fromChat.RootElement.GetProperty("messages")[0].GetProperty("name").GetString());
        Assert.False(fromGemini.RootElement.GetProperty("messages")[0].TryGetProperty("name", out _));
    }

    [Theory]
    [InlineData(1024, "low")]
    [InlineData(2048, "low")]
    [InlineData(2049, "medium")]
    [InlineData(16384, "medium")]
    [InlineData(16385, "high")]
    public void BudgetOnly_BecomesEffortByThreshold(long budget, string effort)
    {
        var request = UserRequest(WireDialectName.Gemini);
        request.Reasoning = new ReasoningOptions(true, budget, null, false, null, null);

        var encoded = Codec.EncodeRequest(request, "m");

        using var document = JsonDocument.Parse(encoded.Body);
        Assert.Equal(effort, document.RootElement.GetProperty("reasoning_effort").GetString());
        Assert.Equal(["added:reasoning_effort=" + effort], encoded.Changes);
    }

    [Fact]
    public void AdaptiveWithoutEffort_IsLeftOutAndDeclared()
    {
        var request = UserRequest(WireDialectName.Anthropic);
        request.Reasoning = new ReasoningOptions(true, null, null, true, null, null);

        var encoded = Codec.EncodeRequest(request, "m");

        using var document = JsonDocument.Parse(encoded.Body);
        Assert.False(document.RootElement.TryGetProperty("reasoning_effort", out _));
        Assert.Equal(["left_out:reasoning.adaptive"], encoded.Changes);
    }

    [Fact]
    public void ChatOriginReasoning_GoesBackAsReasoningContent_OtherOriginsAreLeftOut()
    {
        var request = UserRequest(WireDialectName.Responses);
        request.Messages.Add(new Message(MessageRole.Assistant,
        [
            new ReasoningBlock("from deepseek", null, null, null, null, WireDialectName.OpenAIChat),
            new ReasoningBlock(null, null, "gAAAA", null, "rs_1", WireDialectName.Responses),
            new TextBlock("done"),
        ]));

        var encoded = Codec.EncodeRequest(request, "m");

        using var document = JsonDocument.Parse(encoded.Body);
        Assert.Equal("from deepseek", document.RootElement.GetProperty("messages")[1].GetProperty("reasoning_content").GetString());
        Assert.Equal(["left_out:reasoning[Responses]"], encoded.Changes);
    }

    [Fact]
    public void TopKFromAnotherDialect_IsLeftOutAndDeclared()
    {
        var request = UserRequest(WireDialectName.Gemini);
        request.TopK = 64;

        var encoded = Codec.EncodeRequest(request, "m");

        Assert.Null(encoded.Error);
        Assert.Contains("left_out:top_k", encoded.Changes);
        Assert.DoesNotContain("top_k", System.Text.Encoding.UTF8.GetString(encoded.Body.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void DocumentFromAnotherDialect_IsRefusedNamingIt()
    {
        var request = new CanonicalRequest { Origin = WireDialectName.Anthropic, Model = "m" };
        request.Messages.Add(new Message(MessageRole.User, [new TextBlock("read"), new DocumentBlock("application/pdf", "JVBERi0=", null, null)]));

        var encoded = Codec.EncodeRequest(request, "m");

        Assert.Equal("messages[0].content[1]", encoded.Error!.Param);
        Assert.Contains("document", encoded.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageInToolResult_IsRefusedNamingIt()
    {
        var request = UserRequest(WireDialectName.Anthropic);
        request.Messages.Add(new Message(MessageRole.Assistant, [new ToolCallBlock("t", "screenshot", "{}")]));
        request.Messages.Add(new Message(MessageRole.User, [new ToolResultBlock("t", null, [new ImageBlock("image/png", "iVBO", null)], false, false)]));

        var encoded = Codec.EncodeRequest(request, "m");

        Assert.Equal("messages[2].content[0].content[0]", encoded.Error!.Param);
        Assert.Contains("text only", encoded.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownForeignExtension_IsRefused_DeclaredOneIsLeftOut()
    {
        var request = UserRequest(WireDialectName.Anthropic);
        request.Extensions["anthropic.some_future_field"] = JsonDocument.Parse("1").RootElement;

        var encoded = Codec.EncodeRequest(request, "m");

        Assert.Equal("some_future_field", encoded.Error!.Param);
        Assert.Contains("anthropic.some_future_field", encoded.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForeignNonFunctionTool_WithoutRule_IsRefusedNamingIt()
    {
        var request = UserRequest(WireDialectName.Responses);
        request.Tools.Add(new ToolDefinition("file_search", "file_search", null, null) { Raw = JsonDocument.Parse("""{"type":"file_search"}""").RootElement, Origin = WireDialectName.Responses });

        var encoded = Codec.EncodeRequest(request, "m");

        Assert.Equal("tools[0] (file_search)", encoded.Error!.Param);
    }

    [Theory]
    [InlineData("n", "2")]
    [InlineData("logprobs", "true")]
    [InlineData("logit_bias", """{"50256":-100}""")]
    [InlineData("frequency_penalty", "0.5")]
    [InlineData("presence_penalty", "0.5")]
    [InlineData("audio", """{"voice":"alloy","format":"wav"}""")]
    [InlineData("modalities", """["text","audio"]""")]
    [InlineData("prediction", """{"type":"content","content":"x"}""")]
    public void ChatFieldsThatChangeTheAnswer_AreRefusedByOtherDialects(string field, string value)
    {
        var request = ChatTestJson.Decode($$"""{"model":"m","messages":[{"role":"user","content":"hi"}],"{{field}}":{{value}}}""");
        var changes = new List<string>();

        string? refused = TranslationRules.Check(request.Extensions, WireDialectName.Anthropic, changes);

        Assert.Equal("openai_chat." + field, refused);
    }

    [Fact]
    public void ChatFieldsThatChangeNothing_AreLeftOutWithADeclaredChange()
    {
        var request = ChatTestJson.Decode("""
            {"model":"m","messages":[{"role":"user","content":"hi"}],"store":true,"metadata":{"a":"b"},"service_tier":"auto",
             "prompt_cache_key":"k","stream":true,"stream_options":{"include_usage":true},"max_tokens":10,"seed":3,"stop":["x"]}
            """);
        var changes = new List<string>();

        string? refused = TranslationRules.Check(request.Extensions, WireDialectName.Gemini, changes);

        Assert.Null(refused);
        Assert.Equal(
            ["left_out:openai_chat.max_tokens_field", "left_out:openai_chat.metadata", "left_out:openai_chat.prompt_cache_key", "left_out:openai_chat.seed",
             "left_out:openai_chat.service_tier", "left_out:openai_chat.stop", "left_out:openai_chat.store", "left_out:openai_chat.stream_options"],
            changes.Order(StringComparer.Ordinal));
        Assert.All(TranslationRules.All.Where(r => r.Key.StartsWith("openai_chat.", StringComparison.Ordinal)), r => Assert.False(string.IsNullOrWhiteSpace(r.Value)));
    }

    private static CanonicalRequest UserRequest(WireDialectName origin)
    {
        var request = new CanonicalRequest { Origin = origin, Model = "m" };
        request.Messages.Add(new Message(MessageRole.User, [new TextBlock("hi")]) { WasString = true });
        return request;
    }
}
