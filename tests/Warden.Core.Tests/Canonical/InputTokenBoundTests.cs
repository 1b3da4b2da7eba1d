using System.Text;
using Warden.Core.Canonical;

namespace Warden.Core.Tests.Canonical;

public sealed class InputTokenBoundTests
{
    private static long Bound(string json) => InputTokenBound.FromJson(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void TinyMessages_AreHeldAtTheirBytesPlusTheTemplatePerMessage()
    {
        // Issue 18: bytes ÷ 4 held 401 one-character messages at about 500 tokens; every real template counts
        // several tokens per message (the simulator 4, OpenAI 3-4), so the bound must grow by at least that much each.
        var body = new StringBuilder("{\"model\":\"m\",\"messages\":[");
        for (int i = 0; i < 401; i++)
        {
            body.Append(i == 0 ? "" : ",").Append("{\"role\":\"user\",\"content\":\"a\"}");
        }

        long bound = Bound(body.Append("]}").ToString());
        Assert.True(bound >= (401 * (4 + 1)) + 3, bound.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(bound > TokenEstimator.EstimateFromJson(Encoding.UTF8.GetBytes(body.ToString())) * 3);
    }

    [Fact]
    public void Text_IsCountedByItsUtf8Bytes_EscapesNeverLess()
    {
        long ascii = Bound("""{"messages":[{"role":"user","content":"abcdefgh"}]}""");
        long emoji = Bound("""{"messages":[{"role":"user","content":"\ud83d\ude00\ud83d\ude00"}]}""");   // 8 UTF-8 bytes, 24 escaped
        Assert.True(emoji >= ascii);
        long longer = Bound("""{"messages":[{"role":"user","content":"abcdefghabcdefgh"}]}""");
        Assert.Equal(ascii + 8, longer);
    }

    [Fact]
    public void AnImage_IsHeldAtItsItemCost_NotAtItsBase64Bytes()
    {
        string payload = Convert.ToBase64String(new byte[30_000]);
        long bound = Bound($$$"""{"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"{{{payload}}}"}}]}]}""");
        Assert.InRange(bound, InputTokenBound.PerImage, InputTokenBound.PerImage + 1_000);
        long dataUrl = Bound($$$"""{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,{{{payload}}}"}}]}]}""");
        Assert.InRange(dataUrl, InputTokenBound.PerImage, InputTokenBound.PerImage + 1_000);
    }

    [Fact]
    public void Base64ShapedTextInAToolInput_IsStillCountedByItsBytes()
    {
        // A history can carry any JSON as a tool call's input; the model reads it as text, image-shaped or not.
        string payload = Convert.ToBase64String(new byte[30_000]);
        long bound = Bound($$$"""{"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"type":"image","data":"{{{payload}}}","url":"data:{{{payload}}}"}}]}]}""");
        Assert.True(bound >= 2L * payload.Length, bound.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Tools_AddTheirPreambleAndEachTool()
    {
        long without = Bound("""{"messages":[{"role":"user","content":"hi"}]}""");
        long with = Bound("""{"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"a"},{"name":"b"}]}""");
        Assert.True(with - without >= 3 * InputTokenBound.PerTool);
    }

    [Fact]
    public void NotJson_IsBoundedByItsLength()
    {
        Assert.Equal(InputTokenBound.PerRequest + 5, Bound("{not "));
    }
}
