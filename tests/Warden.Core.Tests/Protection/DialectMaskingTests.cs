using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Protection;

namespace Warden.Core.Tests.Protection;

/// <summary>
/// Every place text travels, as each dialect's decoder puts it in the canonical request: after masking, the body
/// encoded for an upstream of the same dialect holds no original value, and restoring that body gives them back.
/// </summary>
public sealed class DialectMaskingTests
{
    private static readonly string[] Values = ["13812345678", "alice@example.cn", "11010519491231002X", "4111 1111 1111 1111", "8.8.8.8"];

    public static TheoryData<string, string, string, int> Cases() => new()
    {
        {
            "Anthropic",
            """
            {"model":"m","max_tokens":100,"system":"Call 13812345678","metadata":{"user_id":"alice@example.cn"},"messages":[
              {"role":"user","content":[{"type":"text","text":"id 11010519491231002X"},{"type":"document","source":{"type":"text","media_type":"text/plain","data":"card 4111 1111 1111 1111"}}]},
              {"role":"assistant","content":[{"type":"thinking","thinking":"user phone 13812345678","signature":"sig"},{"type":"tool_use","id":"t1","name":"f","input":{"email":"alice@example.cn","n":13812345678}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ip 8.8.8.8"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}]}
            """,
            "cn_id=1,phone=1,bank_card=1,email=1,ip=1",
            1
        },
        {
            "Responses",
            """
            {"model":"m","instructions":"Call 13812345678","input":[
              {"type":"message","role":"user","content":[{"type":"input_text","text":"mail alice@example.cn"}]},
              {"type":"function_call","call_id":"c1","name":"f","arguments":"{\"id\":\"11010519491231002X\",\"card\":\"4111 1111 1111 1111\"}"},
              {"type":"function_call_output","call_id":"c1","output":"ip 8.8.8.8"}]}
            """,
            "cn_id=1,phone=1,bank_card=1,email=1,ip=1",
            0
        },
        {
            "Gemini",
            """
            {"systemInstruction":{"parts":[{"text":"Call 13812345678"}]},"contents":[
              {"role":"user","parts":[{"text":"mail alice@example.cn, card 4111 1111 1111 1111"},{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}}]},
              {"role":"model","parts":[{"functionCall":{"name":"f","args":{"id":"11010519491231002X"}}}]},
              {"role":"user","parts":[{"functionResponse":{"name":"f","response":{"ip":"8.8.8.8"}}}]}]}
            """,
            "cn_id=1,phone=1,bank_card=1,email=1,ip=1",
            1
        },
        {
            "OpenAIChat",
            """
            {"model":"m","user":"alice@example.cn","messages":[
              {"role":"developer","content":"Call 13812345678"},
              {"role":"user","content":[{"type":"text","text":"card 4111 1111 1111 1111"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"id\":\"11010519491231002X\"}"}}]},
              {"role":"tool","tool_call_id":"c1","content":"ip 8.8.8.8"}]}
            """,
            "cn_id=1,phone=1,bank_card=1,email=1,ip=1",
            1
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Mask_DecodedRequest_UpstreamBodyHoldsNoValueAndRestoresThem(string dialect, string body, string counts, int notInspected)
    {
        var codec = DialectCodecs.For(Enum.Parse<WireDialectName>(dialect));
        var context = dialect == "Gemini" ? new RequestContext("m", false) : RequestContext.Empty;
        Assert.True(codec.TryDecodeRequest(Encoding.UTF8.GetBytes(body), context, out var request, out var error), error?.Message);

        var scan = PersonalDataDetector.Default.Scan(request);
        var masking = PersonalDataDetector.Default.Mask(request, "k"u8);

        Assert.Equal(counts, scan.Describe());
        Assert.Equal(notInspected, scan.NotInspected);
        Assert.Equal(counts, masking.Scan.Describe());
        var encoded = codec.EncodeRequest(masking.Request, "m");
        Assert.Null(encoded.Error);
        string sent = Encoding.UTF8.GetString(encoded.Body.Span);
        string sentDocuments = DocumentTexts(masking.Request);
        foreach (string value in Values)
        {
            Assert.DoesNotContain(value, sent, StringComparison.Ordinal);
            Assert.DoesNotContain(value, sentDocuments, StringComparison.Ordinal);
        }

        // The upstream body is JSON text: restoring it there keeps it valid JSON and brings every value back.
        string restored = new PlaceholderRestorer(masking.Map, PlaceholderContext.Json).Restore(sent) + DocumentTexts(request, masking.Map);
        using var document = JsonDocument.Parse(new PlaceholderRestorer(masking.Map, PlaceholderContext.Json).Restore(sent));
        foreach (string value in Values)
        {
            Assert.Contains(value, restored, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Scan_NothingToFind_RequestUntouched()
    {
        string body = """{"model":"m","messages":[{"role":"user","content":"build 1.2.3 at 127.0.0.1:8080, see std::vector and 0x1F"}]}""";
        var codec = DialectCodecs.For(WireDialectName.OpenAIChat);
        Assert.True(codec.TryDecodeRequest(Encoding.UTF8.GetBytes(body), RequestContext.Empty, out var request, out _));
        var message = request.Messages[0];

        var masking = PersonalDataDetector.Default.Mask(request, "k"u8);

        Assert.False(masking.Masked);
        Assert.Same(message, request.Messages[0]);
        Assert.Same(PersonalDataScan.Empty, masking.Scan);
    }

    private static string DocumentTexts(CanonicalRequest request, PlaceholderMap? map = null)
    {
        var builder = new StringBuilder();
        foreach (var document in request.Messages.SelectMany(m => m.Content).OfType<DocumentBlock>())
        {
            string text = Encoding.UTF8.GetString(Convert.FromBase64String(document.Data!));
            builder.Append(map is null ? text : new PlaceholderRestorer(map).Restore(text));
        }

        return builder.ToString();
    }
}
