using System.Security.Cryptography;
using System.Text;
using Warden.Core.Trust;

namespace Warden.Core.Tests.Trust;

public class LogEntryTests
{
    [Theory]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9.eyJ2IjoxfQ.c2lnbmF0dXJl")]
    public void ForReceipt_IsTheDocumentedTextLine(string jws)
    {
        // docs/trust.md: the entry is "receipt <sha256 hex of the compact JWS>\n", the hash in lower case.
        string expected = "receipt " + Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(jws))).ToLowerInvariant() + "\n";

        byte[] entry = LogEntry.ForReceipt(jws);

        Assert.Equal(expected, Encoding.UTF8.GetString(entry));
    }

    [Fact]
    public void ForReceipt_LongToken_HashesEveryCharacter()
    {
        string jws = new string('x', 5000) + "." + new string('y', 3000);
        string changed = new string('x', 5000) + "." + new string('y', 2999) + "z";

        Assert.NotEqual(LogEntry.ForReceipt(jws), LogEntry.ForReceipt(changed));
    }
}
