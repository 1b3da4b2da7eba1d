using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects.Responses;

namespace Warden.Core.Tests.Dialects.Responses;

public class ResponsesRequestDecoderTests
{
    [Fact]
    public void Codex_ReasoningToolTurn_DecodesDeveloperMessagesCallsResultsAndReasoningByteExact()
    {
        var request = ResponsesSamples.Decode("codex.reasoning-tool.01.json");

        Assert.Equal(WireDialectName.Responses, request.Origin);
        Assert.Equal("gpt-5.1-codex", request.Model);
        Assert.True(request.Stream);
        Assert.Equal(
            [MessageRole.Developer, MessageRole.Developer, MessageRole.User, MessageRole.User, MessageRole.Assistant, MessageRole.User],
            request.Messages.Select(m => m.Role));
        Assert.Equal(2, request.Messages[1].Content.Count);
        Assert.Equal("msg_9433fa80-6c02-5441-8334-c26bb85ff2d8", request.Messages[0].Extensions!["responses.id"].GetString());
        Assert.Equal("run echo hello-from-tool", Assert.IsType<TextBlock>(Assert.Single(request.Messages[3].Content)).Text);

        var assistant = request.Messages[4].Content;
        var reasoning = Assert.IsType<ReasoningBlock>(assistant[0]);
        Assert.Equal(WireDialectName.Responses, reasoning.Origin);
        Assert.Equal("rs_390070ac67361971b8974d0a", reasoning.Id);
        Assert.Equal("ZW5jcnlwdGVkLXJlYXNvbmluZy1wbGFjZWhvbGRlcg==", reasoning.EncryptedContent);
        Assert.Equal("**Thinking** briefly.", reasoning.Text);
        Assert.Equal(["**Thinking** briefly."], reasoning.Summary!);

        var call = Assert.IsType<ToolCallBlock>(assistant[1]);
        Assert.Equal("call_92ccece6923bd9d2755a8a70", call.Id);
        Assert.Equal("exec_command", call.Name);
        Assert.Equal("{\"cmd\":\"echo hello-from-tool\"}", call.ArgumentsJson);
        Assert.Equal("fc_073beec3743a1f7349dd6bab", call.Extensions!["responses.id"].GetString());
        Assert.Equal("completed", call.Extensions["responses.status"].GetString());

        var result = Assert.IsType<ToolResultBlock>(Assert.Single(request.Messages[5].Content));
        Assert.Equal("call_92ccece6923bd9d2755a8a70", result.CallId);
        Assert.True(result.WasString);
        Assert.StartsWith("Chunk ID: 312551", Assert.IsType<TextBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Codex_TopLevelFields_MapToCanonicalOrResponsesExtensions()
    {
        var request = ResponsesSamples.Decode("codex.tool.00.json");

        Assert.Equal(ToolChoiceMode.Auto, request.ToolChoice!.Mode);
        Assert.True(request.ParallelToolCalls);
        Assert.Equal("auto", request.Reasoning!.Summary);
        Assert.Null(request.Reasoning.Effort);
        Assert.False(request.Extensions["responses.store"].GetBoolean());
        Assert.Equal("reasoning.encrypted_content", request.Extensions["responses.include"][0].GetString());
        Assert.True(request.Extensions.ContainsKey("responses.prompt_cache_key"));
        Assert.True(request.Extensions.ContainsKey("responses.client_metadata"));
    }

    [Fact]
    public void Codex_NamespaceTool_IsFlattenedIntoPrefixedFunctions_AndWebSearchStaysRaw()
    {
        var request = ResponsesSamples.Decode("codex.tool.00.json");

        Assert.Equal(13, request.Tools.Count);
        var spawn = Assert.Single(request.Tools, t => t.Name == "multi_agent_v1__spawn_agent");
        Assert.True(spawn.IsFunction);
        Assert.Equal("multi_agent_v1", spawn.Extensions![ResponsesNamespaces.NamespaceKey].GetString());
        Assert.Equal("Tools for spawning and managing sub-agents.", spawn.Extensions[ResponsesNamespaces.DescriptionKey].GetString());
        Assert.Equal(JsonValueKind.Object, spawn.InputSchema!.Value.ValueKind);
        Assert.Equal(5, request.Tools.Count(t => t.Name.StartsWith("multi_agent_v1__", StringComparison.Ordinal)));

        var webSearch = Assert.Single(request.Tools, t => !t.IsFunction);
        Assert.Equal("web_search", webSearch.Kind);
        Assert.Equal(WireDialectName.Responses, webSearch.Origin);
        Assert.True(webSearch.Raw!.Value.GetProperty("external_web_access").GetBoolean());
    }

    [Fact]
    public void OpenAiSdk_InstructionsAndStringInput_BecomeMarkedSystemAndStringUserMessage()
    {
        var request = ResponsesSamples.Decode("openai-sdk.04.json");

        Assert.Equal(2, request.Messages.Count);
        var system = request.Messages[0];
        Assert.Equal(MessageRole.System, system.Role);
        Assert.True(system.Extensions![ResponsesRequestDecoder.InstructionsMarker].GetBoolean());
        Assert.Equal("Be brief.", Assert.IsType<TextBlock>(Assert.Single(system.Content)).Text);
        Assert.True(request.Messages[1].WasString);
        Assert.Equal("say hi", Assert.IsType<TextBlock>(Assert.Single(request.Messages[1].Content)).Text);
        Assert.Equal("low", request.Reasoning!.Effort);
        Assert.True(request.Reasoning.Enabled);
    }

    [Fact]
    public void OpenAiSdk_ItemsWithoutType_AreMessages_AndCallsJoinTheAssistantTurn()
    {
        var request = ResponsesSamples.Decode("openai-sdk.06.json");

        Assert.Equal([MessageRole.User, MessageRole.Assistant, MessageRole.User], request.Messages.Select(m => m.Role));
        Assert.True(request.Messages[0].WasString);
        var call = Assert.IsType<ToolCallBlock>(Assert.Single(request.Messages[1].Content));
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("{\"location\":\"Paris\"}", call.ArgumentsJson);
        var result = Assert.IsType<ToolResultBlock>(Assert.Single(request.Messages[2].Content));
        Assert.Equal("{\"temp\":21}", Assert.IsType<TextBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public void ConsecutiveOutputs_ShareOneUserMessage_AndParallelCallsOneAssistantMessage()
    {
        var request = ResponsesSamples.DecodeJson("""
            {"model":"m","input":[
              {"role":"user","content":"go"},
              {"type":"function_call","call_id":"c1","name":"a","arguments":"{}"},
              {"type":"function_call","call_id":"c2","name":"b","arguments":"{}"},
              {"type":"function_call_output","call_id":"c1","output":"1"},
              {"type":"function_call_output","call_id":"c2","output":[{"type":"input_text","text":"2"},{"type":"input_image","image_url":"data:image/png;base64,AAAA"}]}
            ]}
            """);

        Assert.Equal(3, request.Messages.Count);
        Assert.Equal(["c1", "c2"], request.Messages[1].Content.Cast<ToolCallBlock>().Select(c => c.Id));
        var results = request.Messages[2].Content.Cast<ToolResultBlock>().ToList();
        Assert.Equal(2, results.Count);
        Assert.False(results[1].WasString);
        var image = Assert.IsType<ImageBlock>(results[1].Content[1]);
        Assert.Equal("image/png", image.MediaType);
        Assert.Equal("AAAA", image.Data);
    }

    [Fact]
    public void NamespacedFunctionCall_BecomesPrefixedName()
    {
        var request = ResponsesSamples.DecodeJson("""
            {"model":"m","input":[{"type":"function_call","call_id":"c1","namespace":"multi_agent_v1","name":"spawn_agent","arguments":"{}"}]}
            """);

        var call = Assert.IsType<ToolCallBlock>(Assert.Single(request.Messages[0].Content));
        Assert.Equal("multi_agent_v1__spawn_agent", call.Name);
    }

    [Fact]
    public void ReasoningWrappedFromAnotherDialect_IsUnwrappedToItsOrigin()
    {
        string envelope = ReasoningEnvelope.Wrap(new ReasoningBlock("hm", "sig-bytes==", null, null, null, WireDialectName.Anthropic));
        var request = ResponsesSamples.DecodeJson(
            "{\"model\":\"m\",\"input\":[{\"type\":\"reasoning\",\"id\":\"rs_x\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"hm\"}],\"encrypted_content\":\"" + envelope + "\"}]}");

        var reasoning = Assert.IsType<ReasoningBlock>(Assert.Single(request.Messages[0].Content));
        Assert.Equal(WireDialectName.Anthropic, reasoning.Origin);
        Assert.Equal("sig-bytes==", reasoning.Signature);
        Assert.Equal("hm", reasoning.Text);
    }

    [Fact]
    public void UnknownItemTypes_AreKeptRaw()
    {
        var request = ResponsesSamples.DecodeJson("""
            {"model":"m","input":[{"type":"custom_tool_call","call_id":"c","name":"apply_patch","input":"x"},{"type":"custom_tool_call_output","call_id":"c","output":"ok"}]}
            """);

        Assert.Equal("custom_tool_call", Assert.IsType<UnknownBlock>(Assert.Single(request.Messages[0].Content)).Type);
        Assert.Equal(MessageRole.Assistant, request.Messages[0].Role);
        Assert.Equal(MessageRole.User, request.Messages[1].Role);
    }

    [Theory]
    [InlineData("{\"input\":\"hi\"}", "model")]
    [InlineData("{\"model\":\"m\"}", "input")]
    [InlineData("{\"model\":\"m\",\"input\":42}", "input")]
    [InlineData("{\"model\":\"m\",\"input\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "input[0].role")]
    [InlineData("{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]}", "input[0].call_id")]
    [InlineData("{\"model\":\"m\",\"input\":\"hi\",\"tools\":[{\"name\":\"x\"}]}", "tools[0].type")]
    public void BadRequests_AreRefusedNamingTheField(string json, string param)
    {
        Assert.False(ResponsesCodec.Instance.TryDecodeRequest(Encoding.UTF8.GetBytes(json), RequestContext.Empty, out _, out var error));
        Assert.Equal(param, error!.Param);
        Assert.Contains(param.Split('.')[^1].Split('[')[0], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidJson_IsRefused()
    {
        Assert.False(ResponsesCodec.Instance.TryDecodeRequest("{\"model\":"u8.ToArray(), RequestContext.Empty, out _, out var error));
        Assert.Contains("not valid JSON", error!.Message, StringComparison.Ordinal);
    }
}
