using System.Buffers;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Chat;
using Warden.Core.Dialects.Responses;

namespace Warden.Core.Tests.Dialects.Responses;

public class ResponsesResponseTests
{
    [Fact]
    public void Decode_TextThatIsNotUtf8_IsRefused_NotThrown()
    {
        byte[] body = [.. "{\"id\":\"resp_1\",\"object\":\"response\",\"model\":\"m\",\"status\":\"completed\",\"output\":[{\"type\":\"message\",\"id\":\"msg\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\""u8, 0xC3, 0x28, .. "\"}]}]}"u8];

        Assert.False(ResponsesCodec.Instance.TryDecodeResponse(body, out _));
    }

    [Fact]
    public void Decode_TextSample_ReadsTextStopReasonAndUsage()
    {
        Assert.True(ResponsesCodec.Instance.TryDecodeResponse(WireSample.Bytes("responses.json.text.json"), out var response));

        Assert.Equal("resp_876491e8d8d7e79753c4c78c", response.Id);
        Assert.Equal("gpt-x", response.Model);
        Assert.Equal(1795316195, response.Created);
        Assert.Equal("Hi there!", Assert.IsType<TextBlock>(Assert.Single(response.Content)).Text);
        Assert.Equal(StopReason.EndTurn, response.StopReason);
        Assert.Equal(new Usage(12, 7, 0, null, 0, UsageSource.Reported), response.Usage);
    }

    [Fact]
    public void EncodeOfDecode_TextSample_KeepsIdTextStatusAndUsage()
    {
        Assert.True(ResponsesCodec.Instance.TryDecodeResponse(WireSample.Bytes("responses.json.text.json"), out var response));
        var output = new ArrayBufferWriter<byte>();

        ResponsesCodec.Instance.EncodeResponse(response, ResponsesSamples.DecodeJson("{\"model\":\"gpt-x\",\"input\":\"hi\"}"), output);

        using var doc = JsonDocument.Parse(output.WrittenMemory);
        var root = doc.RootElement;
        Assert.Equal("resp_876491e8d8d7e79753c4c78c", root.GetProperty("id").GetString());
        Assert.Equal("response", root.GetProperty("object").GetString());
        Assert.Equal("completed", root.GetProperty("status").GetString());
        var item = Assert.Single(root.GetProperty("output").EnumerateArray());
        Assert.Equal("message", item.GetProperty("type").GetString());
        Assert.StartsWith("msg_", item.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("Hi there!", item.GetProperty("content")[0].GetProperty("text").GetString());
        using var sample = JsonDocument.Parse(WireSample.Bytes("responses.json.text.json"));
        ResponsesSamples.AssertJsonEquivalent(sample.RootElement.GetProperty("usage"), root.GetProperty("usage"));
    }

    [Fact]
    public void Encode_ForeignAnswer_WrapsReasoning_UsesNamespaceShape_AndDeterministicIds()
    {
        var request = ResponsesSamples.Decode("codex.tool.00.json");
        var response = new CanonicalResponse("msg_01ABC", "claude-x",
        [
            new ReasoningBlock("Let me spawn.", "c2lnbmF0dXJl", null, null, null, WireDialectName.Anthropic),
            new TextBlock("Spawning."),
            new ToolCallBlock("toolu_9", "multi_agent_v1__spawn_agent", "{\"task\":\"x\"}"),
            new ToolCallBlock("toolu_10", "exec_command", "{\"cmd\":\"ls\"}"),
        ], StopReason.ToolUse, new Usage(100, 20, 80, 5, null, UsageSource.Reported));

        byte[] first = Encode(response, request);
        byte[] second = Encode(response, request);

        Assert.Equal(first, second);
        using var doc = JsonDocument.Parse(first);
        var root = doc.RootElement;
        Assert.Equal("resp_01ABC", root.GetProperty("id").GetString());
        Assert.Equal("claude-x", root.GetProperty("model").GetString());
        var items = root.GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(["reasoning", "message", "function_call", "function_call"], items.Select(i => i.GetProperty("type").GetString()));
        Assert.Equal(["rs_01ABC_0", "msg_01ABC_1", "fc_01ABC_2", "fc_01ABC_3"], items.Select(i => i.GetProperty("id").GetString()));

        Assert.True(ReasoningEnvelope.TryUnwrap(items[0].GetProperty("encrypted_content").GetString(), "Let me spawn.", out var unwrapped));
        Assert.Equal(WireDialectName.Anthropic, unwrapped.Origin);
        Assert.Equal("c2lnbmF0dXJl", unwrapped.Signature);
        Assert.Equal("Let me spawn.", items[0].GetProperty("summary")[0].GetProperty("text").GetString());

        Assert.Equal("multi_agent_v1", items[2].GetProperty("namespace").GetString());
        Assert.Equal("spawn_agent", items[2].GetProperty("name").GetString());
        Assert.Equal("toolu_9", items[2].GetProperty("call_id").GetString());
        Assert.False(items[3].TryGetProperty("namespace", out _));

        var usage = root.GetProperty("usage");
        Assert.Equal(100, usage.GetProperty("input_tokens").GetInt64());
        Assert.Equal(80, usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt64());
        Assert.Equal(120, usage.GetProperty("total_tokens").GetInt64());
    }

    [Theory]
    [InlineData(StopReason.MaxTokens, "incomplete", "max_output_tokens")]
    [InlineData(StopReason.ContentFilter, "incomplete", "content_filter")]
    [InlineData(StopReason.EndTurn, "completed", null)]
    [InlineData(StopReason.ToolUse, "completed", null)]
    public void Encode_StopReason_MapsToStatusAndIncompleteDetails(StopReason reason, string status, string? incomplete)
    {
        var response = new CanonicalResponse("x_1", "m", [new TextBlock("t")], reason, Usage.NotReported);

        using var doc = JsonDocument.Parse(Encode(response, ResponsesSamples.DecodeJson("{\"model\":\"m\",\"input\":\"hi\"}")));

        Assert.Equal(status, doc.RootElement.GetProperty("status").GetString());
        var details = doc.RootElement.GetProperty("incomplete_details");
        Assert.Equal(incomplete, details.ValueKind == JsonValueKind.Null ? null : details.GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("usage").ValueKind);
    }

    [Theory]
    [InlineData("completed", null, true, StopReason.ToolUse)]
    [InlineData("completed", null, false, StopReason.EndTurn)]
    [InlineData("incomplete", "max_output_tokens", false, StopReason.MaxTokens)]
    [InlineData("incomplete", "content_filter", false, StopReason.ContentFilter)]
    public void Status_MapsToStopReason(string status, string? reason, bool calledTools, StopReason expected) =>
        Assert.Equal(expected, ResponsesStatus.ToStopReason(status, reason, calledTools));

    [Fact]
    public void Decode_FunctionCallAndReasoningItems()
    {
        var body = """
            {"id":"resp_1","object":"response","status":"completed","model":"gpt-5","output":[
              {"id":"rs_1","type":"reasoning","summary":[{"type":"summary_text","text":"a"},{"type":"summary_text","text":"b"}],"encrypted_content":"E=="},
              {"id":"fc_1","type":"function_call","status":"completed","call_id":"call_1","namespace":"ns","name":"f","arguments":"{\"x\":1}"}],
             "usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":4},"output_tokens":6,"output_tokens_details":{"reasoning_tokens":3},"total_tokens":16}}
            """u8;

        Assert.True(ResponsesCodec.Instance.TryDecodeResponse(body, out var response));

        var reasoning = Assert.IsType<ReasoningBlock>(response.Content[0]);
        Assert.Equal("a\n\nb", reasoning.Text);
        Assert.Equal("E==", reasoning.EncryptedContent);
        Assert.Equal("rs_1", reasoning.Id);
        var call = Assert.IsType<ToolCallBlock>(response.Content[1]);
        Assert.Equal("ns__f", call.Name);
        Assert.Equal("{\"x\":1}", call.ArgumentsJson);
        Assert.Equal(StopReason.ToolUse, response.StopReason);
        Assert.Equal(new Usage(10, 6, 4, null, 3, UsageSource.Reported), response.Usage);
    }

    [Fact]
    public void Decode_NotAResponse_ReturnsFalse()
    {
        Assert.False(ResponsesCodec.Instance.TryDecodeResponse("{\"error\":{}}"u8, out _));
        Assert.False(ResponsesCodec.Instance.TryDecodeResponse("nope"u8, out _));
    }

    private static byte[] Encode(CanonicalResponse response, CanonicalRequest request)
    {
        var output = new ArrayBufferWriter<byte>();
        ResponsesCodec.Instance.EncodeResponse(response, request, output);
        return output.WrittenSpan.ToArray();
    }
}
