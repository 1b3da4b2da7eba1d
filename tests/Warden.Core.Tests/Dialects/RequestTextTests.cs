using System.Text;
using Warden.Core.Dialects;

namespace Warden.Core.Tests.Dialects;

/// <summary>The text check every inspector runs: invalid UTF-8 and lone surrogate escapes are refused, nothing else.</summary>
public sealed class RequestTextTests
{
    [Theory]
    [InlineData("""{"t":"plain"}""")]
    [InlineData("""{"t":"\ud83d\ude00 a pair"}""")]
    [InlineData("""{"t":"\\ud800 is an escaped backslash, then text"}""")]
    [InlineData("""{"t":"\n\t\"\u00e9\/"}""")]
    [InlineData("""{"t":"ends with a pair \uD83D\uDE00"}""")]
    public void Check_ValidText_IsNull(string json) => Assert.Null(RequestText.Check(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("""{"t":"h\ud800i"}""", "d800")]
    [InlineData("""{"t":"\udc00"}""", "dc00")]
    [InlineData("""{"t":"\udc00\ud800"}""", "dc00")]
    [InlineData("""{"t":"\ud800\\udc00"}""", "d800")]
    [InlineData("""{"t":"at the end \uD800"}""", "d800")]
    [InlineData("""{"\ud800":1}""", "d800")]
    public void Check_LoneSurrogateEscape_NamesIt(string json, string unit)
    {
        var error = RequestText.Check(Encoding.UTF8.GetBytes(json));

        Assert.NotNull(error);
        Assert.Contains("surrogate", error.Message, StringComparison.Ordinal);
        Assert.Contains(unit, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_InvalidUtf8_SaysSo()
    {
        byte[] body = [.. "{\"t\":\""u8, 0xC0, 0xAF, .. "\"}"u8];

        Assert.Contains("UTF-8", RequestText.Check(body)!.Message, StringComparison.Ordinal);
    }
}
