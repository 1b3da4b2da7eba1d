using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Protection;

namespace Warden.Core.Tests.Protection;

public sealed class MaskingTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("conversation-1");

    private const string Phone = "13812345678";
    private const string Email = "alice.wang@example.cn";
    private const string CnId = "11010519491231002X";

    private static CanonicalRequest Chat(string body)
    {
        Assert.True(DialectCodecs.For(WireDialectName.OpenAIChat).TryDecodeRequest(Encoding.UTF8.GetBytes(body), RequestContext.Empty, out var request, out var error), error?.Message);
        return request;
    }

    private static CanonicalRequest UserText(string text)
    {
        var request = new CanonicalRequest { Origin = WireDialectName.OpenAIChat, Model = "m" };
        request.Messages.Add(new Message(MessageRole.User, [new TextBlock(text)]));
        return request;
    }

    private static string AllText(CanonicalRequest request)
    {
        var body = DialectCodecs.For(WireDialectName.OpenAIChat).EncodeRequest(request, "m").Body;
        return Encoding.UTF8.GetString(body.Span);
    }

    private static CanonicalRequest Conversation() => Chat($$$"""
        {"model":"m","user":"{{{Email}}}","messages":[
          {"role":"system","content":"Customer phone {{{Phone}}}."},
          {"role":"user","content":[{"type":"text","text":"My id is {{{CnId}}}, mail {{{Email}}}"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]},
          {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"lookup","arguments":"{\"phone\":\"{{{Phone}}}\",\"n\":{{{Phone}}},\"note\":\"a\\n{{{Phone}}}\"}"}}]},
          {"role":"tool","tool_call_id":"c1","content":"found {{{Email}}}"}
        ]}
        """);

    [Fact]
    public void Scan_EveryTextPlace_CountsPerClassAndNotInspected()
    {
        var request = Conversation();
        string before = AllText(request);

        var scan = PersonalDataDetector.Default.Scan(request);

        Assert.Equal("cn_id=1,phone=4,email=3", scan.Describe());
        Assert.Equal(1, scan.NotInspected);
        Assert.Equal(before, AllText(request));
    }

    [Fact]
    public void Mask_EveryTextPlace_NoOriginalValueLeftAndArgumentsStayJson()
    {
        var request = Conversation();

        var masking = PersonalDataDetector.Default.Mask(request, Key);

        string sent = AllText(masking.Request);
        Assert.DoesNotContain(Phone, sent, StringComparison.Ordinal);
        Assert.DoesNotContain(Email, sent, StringComparison.Ordinal);
        Assert.DoesNotContain(CnId, sent, StringComparison.Ordinal);
        Assert.Equal("cn_id=1,phone=4,email=3", masking.Scan.Describe());
        Assert.Equal(3, masking.Map.Count);
        var call = masking.Request.Messages.SelectMany(m => m.Content).OfType<ToolCallBlock>().Single();
        using var arguments = JsonDocument.Parse(call.ArgumentsJson);
        string placeholder = arguments.RootElement.GetProperty("phone").GetString()!;
        Assert.StartsWith("[[pii:phone:", placeholder, StringComparison.Ordinal);
        Assert.Equal(placeholder, arguments.RootElement.GetProperty("n").GetString());
        Assert.Equal("a\n" + placeholder, arguments.RootElement.GetProperty("note").GetString());
    }

    [Fact]
    public void Mask_SameValueInLaterTurn_SamePlaceholder()
    {
        var first = PersonalDataDetector.Default.Mask(Chat($$"""{"model":"m","messages":[{"role":"user","content":"call {{Phone}}"}]}"""), Key);
        string firstText = ((TextBlock)first.Request.Messages[0].Content[0]).Text;

        // The next turn carries the history back with the value restored, plus a new message.
        var second = PersonalDataDetector.Default.Mask(Chat($$"""{"model":"m","messages":[{"role":"user","content":"call {{Phone}}"},{"role":"assistant","content":"ok"},{"role":"user","content":"again {{Phone}}"}]}"""), Key);

        Assert.Equal(firstText, ((TextBlock)second.Request.Messages[0].Content[0]).Text);
        Assert.Equal(firstText.Replace("call", "again", StringComparison.Ordinal), ((TextBlock)second.Request.Messages[2].Content[0]).Text);
        var other = PersonalDataDetector.Default.Mask(Chat($$"""{"model":"m","messages":[{"role":"user","content":"call {{Phone}}"}]}"""), "other"u8);
        Assert.NotEqual(firstText, ((TextBlock)other.Request.Messages[0].Content[0]).Text);
    }

    [Fact]
    public void Restore_MaskedText_GivesOriginal()
    {
        const string text = "Phone 13812345678, mail alice.wang@example.cn, id 11010519491231002X.";
        var masking = PersonalDataDetector.Default.Mask(UserText(text), Key);
        string masked = ((TextBlock)masking.Request.Messages[0].Content[0]).Text;

        Assert.Equal(text, new PlaceholderRestorer(masking.Map).Restore(masked));
    }

    [Fact]
    public void Push_SplitAtEveryOffset_RestoresWhole()
    {
        const string text = "Reach [[x]] at 13812345678 or alice.wang@example.cn [[pii:phone:zzzzzzzz]] [[pii:";
        var masking = PersonalDataDetector.Default.Mask(UserText(text), Key);
        string masked = ((TextBlock)masking.Request.Messages[0].Content[0]).Text;
        Assert.NotEqual(text, masked);

        for (int a = 0; a <= masked.Length; a++)
        {
            for (int b = a; b <= masked.Length; b++)
            {
                var restorer = new PlaceholderRestorer(masking.Map);
                string output = restorer.Push(masked[..a]) + restorer.Push(masked[a..b]) + restorer.Push(masked[b..]) + restorer.Flush();
                Assert.Equal(text, output);
            }
        }
    }

    [Fact]
    public void Restore_InJsonValueNeedingEscapes_StaysValidJson()
    {
        var detector = new PersonalDataDetector(new PersonalDataDetectorOptions { CustomPatterns = [new("quoted", "\"q[a-z]+\\\\")] });
        string value = "\"qabc\\";
        var request = UserText("x " + value + " y");
        var masking = detector.Mask(request, Key);
        string placeholder = ((TextBlock)masking.Request.Messages[0].Content[0]).Text[2..^2];
        string argumentsFromModel = "{\"v\":\"" + placeholder + "\"}";

        var restorer = new PlaceholderRestorer(masking.Map, PlaceholderContext.Json);
        string restored = "";
        foreach (char c in argumentsFromModel)
        {
            restored += restorer.Push(c.ToString());
        }

        restored += restorer.Flush();
        using var document = JsonDocument.Parse(restored);
        Assert.Equal(value, document.RootElement.GetProperty("v").GetString());
    }

    [Fact]
    public void Push_NoMap_PassesThrough()
    {
        var restorer = new PlaceholderRestorer(new PlaceholderMap());
        Assert.Equal("[[pii:", restorer.Push("[[pii:"));
        Assert.Equal("", restorer.Flush());
    }
}
