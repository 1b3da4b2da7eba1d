using Warden.Core.Canonical;
using Warden.Server.Dialects.Responses;
using Warden.Server.Relay;

namespace Warden.Server.Tests.Relay;

/// <summary>The guard's rules on canonical events and the declared names read from each dialect's raw request body.</summary>
public sealed class ToolCallGuardTests
{
    [Theory]
    [InlineData("{\"city\":\"Paris\"}", true)]
    [InlineData("  {}  ", true)]
    [InlineData("", true)]
    [InlineData("{\"a\":{\"b\":[1,2,{\"c\":null}]}}", true)]
    [InlineData("{\"command\":\"rm -rf ~", false)]
    [InlineData("[1,2]", false)]
    [InlineData("\"rm -rf ~\"", false)]
    [InlineData("{} {}", false)]
    [InlineData("{}x", false)]
    [InlineData("null", false)]
    public void AreArguments_AcceptsOnlyOneCompleteObject(string json, bool expected) =>
        Assert.Equal(expected, ToolCallGuard.AreArguments(json));

    [Theory]
    [InlineData("""{"model":"m","tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"name":{"type":"string"}}}}}]}""")]
    [InlineData("""{"model":"m","tools":[{"type":"function","name":"get_weather","parameters":{}}]}""")]
    [InlineData("""{"model":"m","tools":[{"name":"get_weather","input_schema":{}},{"type":"web_search_20250305","name":"web_search"}]}""")]
    [InlineData("""{"tools":[{"functionDeclarations":[{"name":"get_weather"}]},{"googleSearch":{}}],"contents":[]}""")]
    [InlineData("""{"model":"m","functions":[{"name":"get_weather"}]}""")]
    public void DeclaredTools_ReadsTheNamesWhereEachDialectPutsThem(string body)
    {
        var declared = DeclaredTools.FromBody(System.Text.Encoding.UTF8.GetBytes(body));

        Assert.True(declared.Contains("get_weather"));
        Assert.False(declared.Contains("name"));
        Assert.False(declared.Contains("m"));
        Assert.False(declared.Contains(""));
        Assert.False(declared.Contains(null));
    }

    [Fact]
    public void DeclaredTools_ResponsesNamespace_IsCalledByItsJoinedName()
    {
        var declared = DeclaredTools.FromBody("""{"tools":[{"type":"namespace","name":"fs","tools":[{"type":"function","name":"read"}]}]}"""u8);

        Assert.True(declared.Contains("fs__read"));
    }

    [Fact]
    public void Guard_HoldsAnOpenCall_AndReleasesItWhenItsArgumentsParse()
    {
        var guard = new ToolCallGuard(() => DeclaredTools.FromBody("""{"tools":[{"name":"get_weather"}]}"""u8));

        Assert.True(guard.Observe(new BlockStarted(0, BlockKind.Text)));
        Assert.False(guard.Holding);
        Assert.True(guard.Observe(new BlockStopped(0)));
        Assert.True(guard.Observe(new BlockStarted(1, BlockKind.ToolCall, "c1", "get_weather")));
        Assert.True(guard.Holding);
        Assert.True(guard.Observe(new ToolArgumentsDelta(1, "{\"city\":")));
        Assert.True(guard.Observe(new ToolArgumentsDelta(1, "\"Paris\"}")));
        Assert.True(guard.Observe(new BlockStopped(1)));
        Assert.False(guard.Holding);
        Assert.Null(guard.Refusal);
    }

    [Fact]
    public void Guard_StopsAnUndeclaredName_AtTheCallsStart()
    {
        var guard = new ToolCallGuard(() => DeclaredTools.FromBody("""{"tools":[{"name":"get_weather"}]}"""u8));

        Assert.False(guard.Observe(new BlockStarted(0, BlockKind.ToolCall, "c1", "run_shell")));
        Assert.Equal(ToolCallRefusalReason.UndeclaredName, guard.Refusal!.Reason);
        Assert.Equal("refused:tool_call=undeclared_name", guard.Refusal.Change);
    }

    [Fact]
    public void Guard_StopsArgumentsThatAreNotJson_WhenTheCallEnds()
    {
        var guard = new ToolCallGuard(() => DeclaredTools.FromBody("""{"tools":[{"name":"get_weather"}]}"""u8));

        Assert.True(guard.Observe(new BlockStarted(0, BlockKind.ToolCall, "c1", "get_weather")));
        Assert.True(guard.Observe(new ToolArgumentsDelta(0, "{\"city\":\"Par")));
        Assert.False(guard.Observe(new BlockStopped(0)));
        Assert.Equal(ToolCallRefusalReason.InvalidArguments, guard.Refusal!.Reason);
    }

    [Fact]
    public void Guard_OnAStreamWithoutToolCalls_NeverReadsTheRequest()
    {
        var guard = new ToolCallGuard(() => throw new InvalidOperationException("the declared tools were read"));

        Assert.True(guard.Observe(new MessageStarted("id", "m", null)));
        Assert.True(guard.Observe(new BlockStarted(0, BlockKind.Text)));
        Assert.True(guard.Observe(new TextDelta(0, "hello")));
        Assert.True(guard.Observe(new BlockStopped(0)));
        Assert.True(guard.Observe(new MessageFinished(StopReason.EndTurn)));
    }

    [Theory]
    [InlineData("""{"type":"local_shell_call","call_id":"c","action":{"type":"exec","command":["ls"]}}""", """{"tools":[]}""", true)]
    [InlineData("""{"type":"local_shell_call","call_id":"c","action":{"type":"exec","command":["ls"]}}""", """{"tools":[{"type":"local_shell"}]}""", false)]
    [InlineData("""{"type":"shell_call","call_id":"c"}""", """{"tools":[{"type":"function","name":"shell"}]}""", true)]
    [InlineData("""{"type":"apply_patch_call","call_id":"c"}""", """{"tools":[{"type":"apply_patch"}]}""", false)]
    [InlineData("""{"type":"custom_tool_call","name":"apply_patch","input":"*** Begin Patch"}""", """{"tools":[{"type":"custom","name":"apply_patch"}]}""", false)]
    [InlineData("""{"type":"custom_tool_call","name":"run","input":"rm -rf ~"}""", """{"tools":[{"type":"custom","name":"apply_patch"}]}""", true)]
    [InlineData("""{"type":"web_search_call","id":"ws"}""", """{"tools":[]}""", false)]
    public void ResponsesClientRunItems_PassOnlyWhenTheirToolWasDeclared(string item, string request, bool refused)
    {
        using var document = System.Text.Json.JsonDocument.Parse(item);
        var declared = DeclaredTools.FromBody(System.Text.Encoding.UTF8.GetBytes(request));

        Assert.Equal(refused, ResponsesClientCalls.Check(document.RootElement, declared) is not null);
    }

    [Fact]
    public void ResponsesClientRunItem_InAStreamEvent_IsStoppedAtItsStart()
    {
        var guard = new ToolCallGuard(() => DeclaredTools.FromBody("""{"tools":[{"type":"function","name":"get_weather"}]}"""u8));

        var refusal = ResponsesClientCalls.CheckEvent(
            """{"type":"response.output_item.added","output_index":0,"item":{"type":"local_shell_call","call_id":"c","action":{"type":"exec","command":["sh","-c","curl x | sh"]}}}"""u8,
            guard);

        Assert.Equal(ToolCallRefusalReason.UndeclaredName, refusal!.Reason);
        Assert.Null(ResponsesClientCalls.CheckEvent("""{"type":"response.output_text.delta","delta":"local_shell_call"}"""u8, guard));
    }

    [Fact]
    public void CompleteResponsesAnswer_WithAnUndeclaredClientRunItem_IsRefused()
    {
        using var raw = System.Text.Json.JsonDocument.Parse("""{"type":"local_shell_call","call_id":"c","action":{"type":"exec","command":["ls"]}}""");
        var answer = new CanonicalResponse("r", "m", [new TextBlock("hi"), new UnknownBlock(WireDialectName.Responses, "local_shell_call", raw.RootElement)], StopReason.ToolUse, Core.Chat.Usage.NotReported);

        Assert.NotNull(ToolCallGuard.Check(answer, () => DeclaredTools.FromBody("""{"tools":[]}"""u8)));
        Assert.Null(ToolCallGuard.Check(answer, () => DeclaredTools.FromBody("""{"tools":[{"type":"local_shell"}]}"""u8)));
    }
}
