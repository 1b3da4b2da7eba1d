using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects.OpenAIChat;

namespace Warden.Core.Tests.Dialects.OpenAIChat;

public class ChatRequestDecoderTests
{
    [Fact]
    public void QwenCode_ToolFollowUp_DecodesSystemHistoryAndArrayToolContent()
    {
        var request = ChatTestJson.Decode(ChatTestJson.RequestBody("qwen-code.tool.01.json"));

        Assert.Equal(WireDialectName.OpenAIChat, request.Origin);
        Assert.True(request.Stream);
        Assert.True(request.IncludeUsage);
        Assert.Equal(8000, request.MaxOutputTokens);
        Assert.Equal("max_tokens", request.Extensions[ChatRequestDecoder.MaxTokensFieldKey].GetString());
        Assert.All(request.Tools, t => Assert.True(t.IsFunction));
        Assert.NotEmpty(request.Tools);

        var system = request.Messages[0];
        Assert.Equal(MessageRole.System, system.Role);
        Assert.True(system.WasString);
        Assert.Equal(38233, Assert.IsType<TextBlock>(Assert.Single(system.Content)).Text.Length);

        Assert.Equal([MessageRole.System, MessageRole.User, MessageRole.Assistant, MessageRole.User, MessageRole.Assistant, MessageRole.User], request.Messages.Select(m => m.Role));
        Assert.False(request.Messages[1].WasString);

        var toolCallTurn = request.Messages[4];
        var call = Assert.IsType<ToolCallBlock>(Assert.Single(toolCallTurn.Content));
        Assert.Equal("call_c3d56fe64234656ca2f5e3d2", call.Id);
        Assert.Equal("run_shell_command", call.Name);
        Assert.Equal("{\"command\":\"echo hello-from-tool\",\"description\":\"Print a test string\"}", call.ArgumentsJson);

        var result = Assert.IsType<ToolResultBlock>(Assert.Single(request.Messages[5].Content));
        Assert.Equal("call_c3d56fe64234656ca2f5e3d2", result.CallId);
        Assert.False(result.WasString);
        Assert.False(result.IsError);
        Assert.IsType<TextBlock>(Assert.Single(result.Content));
    }

    [Fact]
    public void OpenAISdk_ToolRoundTrip_DecodesNullContentAndStringToolResult()
    {
        var request = ChatTestJson.Decode(ChatTestJson.RequestBody("openai-sdk.02.json"));

        Assert.False(request.Stream);
        Assert.Null(request.IncludeUsage);
        var assistant = request.Messages[1];
        Assert.Equal(MessageRole.Assistant, assistant.Role);
        Assert.IsType<ToolCallBlock>(Assert.Single(assistant.Content));
        Assert.Null(assistant.Extensions); // "refusal": null is the same as absent

        var result = Assert.IsType<ToolResultBlock>(Assert.Single(request.Messages[2].Content));
        Assert.True(result.WasString);
        Assert.Equal("{\"temp\":21}", Assert.IsType<TextBlock>(Assert.Single(result.Content)).Text);
        var tool = Assert.Single(request.Tools);
        Assert.Equal("get_weather", tool.Name);
        Assert.Equal("Get weather", tool.Description);
        Assert.Equal(JsonValueKind.Object, tool.InputSchema!.Value.ValueKind);
    }

    [Fact]
    public void ConsecutiveToolMessages_BecomeOneUserMessage()
    {
        var request = ChatTestJson.Decode("""
            {"model":"m","messages":[
              {"role":"user","content":"go"},
              {"role":"assistant","content":null,"tool_calls":[
                {"id":"a","type":"function","function":{"name":"f","arguments":"{}"}},
                {"id":"b","type":"function","function":{"name":"g","arguments":"{\"x\":1}"}}]},
              {"role":"tool","tool_call_id":"a","content":"one"},
              {"role":"tool","tool_call_id":"b","content":[{"type":"text","text":"two"}]},
              {"role":"user","content":"thanks"}]}
            """);

        Assert.Equal(4, request.Messages.Count);
        var results = request.Messages[2].Content.Cast<ToolResultBlock>().ToList();
        Assert.Equal(["a", "b"], results.Select(r => r.CallId));
        Assert.True(results[0].WasString);
        Assert.False(results[1].WasString);
        Assert.Equal("thanks", Assert.IsType<TextBlock>(Assert.Single(request.Messages[3].Content)).Text);
    }

    [Fact]
    public void Parameters_MapToCanonicalFieldsAndExtensions()
    {
        var request = ChatTestJson.Decode("""
            {"model":"m","messages":[{"role":"developer","content":"rules"},{"role":"user","content":[
               {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}},
               {"type":"image_url","image_url":{"url":"https://example.test/cat.png"}},
               {"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]},
             {"role":"assistant","content":"ok","reasoning_content":"thinking..."}],
             "tool_choice":{"type":"function","function":{"name":"f"}},"parallel_tool_calls":false,
             "max_completion_tokens":100,"temperature":0.2,"top_p":0.9,"stop":"END","reasoning_effort":"low",
             "response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object"},"strict":true}},
             "safety_identifier":"u1","seed":7,"n":1,"logprobs":false,"presence_penalty":0,"store":false,"logit_bias":null}
            """);

        Assert.Equal(MessageRole.Developer, request.Messages[0].Role);
        var png = Assert.IsType<ImageBlock>(request.Messages[1].Content[0]);
        Assert.Equal("image/png", png.MediaType);
        Assert.Equal("iVBORw0KGgo=", png.Data);
        Assert.Equal("low", png.Extensions![ChatRequestDecoder.DetailKey].GetString());
        Assert.Equal("https://example.test/cat.png", Assert.IsType<ImageBlock>(request.Messages[1].Content[1]).Url);
        Assert.Equal("input_audio", Assert.IsType<UnknownBlock>(request.Messages[1].Content[2]).Type);
        var reasoning = Assert.IsType<ReasoningBlock>(request.Messages[2].Content[0]);
        Assert.Equal("thinking...", reasoning.Text);
        Assert.Equal(WireDialectName.OpenAIChat, reasoning.Origin);

        Assert.Equal(new ToolChoice(ToolChoiceMode.Specific, "f"), request.ToolChoice);
        Assert.False(request.ParallelToolCalls);
        Assert.Equal(100, request.MaxOutputTokens);
        Assert.Equal(0.2, request.Temperature);
        Assert.Equal(0.9, request.TopP);
        Assert.Equal(["END"], request.StopSequences!);
        Assert.Equal("low", request.Reasoning!.Effort);
        Assert.Equal(new OutputFormat(OutputFormatKind.JsonSchema, request.OutputFormat!.Schema, "r", true), request.OutputFormat);
        Assert.Equal("u1", request.User);
        Assert.Equal(7, request.Extensions["openai_chat.seed"].GetInt32());
        Assert.True(request.Extensions.ContainsKey("openai_chat.store"));
        Assert.False(request.Extensions.ContainsKey("openai_chat.n"));
        Assert.False(request.Extensions.ContainsKey("openai_chat.logprobs"));
        Assert.False(request.Extensions.ContainsKey("openai_chat.presence_penalty"));
        Assert.False(request.Extensions.ContainsKey("openai_chat.logit_bias"));
    }

    [Theory]
    [InlineData("""{"model":"m"}""", "messages")]
    [InlineData("""{"model":"m","messages":[{"content":"x"}]}""", "messages[0].role")]
    [InlineData("""{"model":"m","messages":[{"role":"wizard","content":"x"}]}""", "messages[0].role")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":5}]}""", "messages[0].content")]
    [InlineData("""{"model":"m","messages":[{"role":"tool","content":"x"}]}""", "messages[0].tool_call_id")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]}""", "messages[0].content[0].text")]
    [InlineData("""{"model":"m","messages":[],"tool_choice":"sometimes"}""", "tool_choice")]
    [InlineData("""{"model":"m","messages":[],"temperature":"hot"}""", "temperature")]
    [InlineData("""{"model":"m","messages":[],"stop":[1]}""", "stop")]
    [InlineData("""{"messages":[]}""", "model")]
    public void BadRequests_NameTheField(string json, string param)
    {
        bool ok = OpenAIChatCodec.Instance.TryDecodeRequest(Encoding.UTF8.GetBytes(json), RequestContext.Empty, out _, out var error);

        Assert.False(ok);
        Assert.Equal(param, error!.Param);
        Assert.Contains(param.Split('.')[^1].Split('[')[0], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryInspect_WrapsTheInspector()
    {
        bool ok = OpenAIChatCodec.Instance.TryInspect(ChatTestJson.RequestBody("qwen-code.tool.00.json"), RequestContext.Empty, out var facts, out _);

        Assert.True(ok);
        Assert.Equal(new RequestFacts(facts.Model, true, 8000, true), facts);
        Assert.False(string.IsNullOrEmpty(facts.Model));
    }
}
