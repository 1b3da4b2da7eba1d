using System.Buffers;
using System.Text;
using System.Text.Json;
using Warden.Core.Dialects.OpenAIChat;

namespace Warden.Core.Tests.Dialects.OpenAIChat;

public class OpenAIErrorWriterTests
{
    private static JsonElement ErrorObject(JsonDocument doc)
    {
        var root = doc.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal(["error"], root.EnumerateObject().Select(p => p.Name));
        var error = root.GetProperty("error");
        Assert.Equal(JsonValueKind.Object, error.ValueKind);
        Assert.Equal(
            new[] { "code", "message", "param", "type" },
            error.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        return error;
    }

    [Fact]
    public void ToBytes_AllFields_WritesExactlyTheFourMembers()
    {
        using var doc = JsonDocument.Parse(OpenAIErrorWriter.ToBytes("Unknown model 'x'.", "invalid_request_error", "model", "model_not_found"));

        var error = ErrorObject(doc);

        Assert.Equal("Unknown model 'x'.", error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
    }

    [Fact]
    public void ToBytes_NullParamAndCode_WritesJsonNulls()
    {
        using var doc = JsonDocument.Parse(OpenAIErrorWriter.ToBytes("Upstream failed.", "upstream_error", null, null));

        var error = ErrorObject(doc);

        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.Equal(JsonValueKind.Null, error.GetProperty("code").ValueKind);
        Assert.Equal("Upstream failed.", error.GetProperty("message").GetString());
        Assert.Equal("upstream_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public void ToBytes_MessageNeedingEscapes_RoundTrips()
    {
        const string Message = "He said \"no\"\nthen \\ left <script>&</script> é 漢字 \u0001";

        using var doc = JsonDocument.Parse(OpenAIErrorWriter.ToBytes(Message, "t", "", "c"));

        var error = ErrorObject(doc);
        Assert.Equal(Message, error.GetProperty("message").GetString());
        Assert.Equal("", error.GetProperty("param").GetString());
    }

    [Fact]
    public void Write_IntoNonEmptyBuffer_AppendsOneJsonDocument()
    {
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write("data: "u8);

        OpenAIErrorWriter.Write(buffer, "m", "t", null, "c");

        string written = Encoding.UTF8.GetString(buffer.WrittenSpan);
        Assert.StartsWith("data: ", written, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(written["data: ".Length..]);
        var error = ErrorObject(doc);
        Assert.Equal("c", error.GetProperty("code").GetString());
    }
}
