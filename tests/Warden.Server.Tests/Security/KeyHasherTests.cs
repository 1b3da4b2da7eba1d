using System.Security.Cryptography;
using System.Text;
using Warden.Server.Keys;

namespace Warden.Server.Tests.Security;

/// <summary>
/// The stored form of a client key is HMAC-SHA256(pepper, key). The hasher keeps one HMAC context per thread between
/// calls: it must still give each hasher its own pepper's result, call after call and across threads.
/// </summary>
public sealed class KeyHasherTests
{
    private static byte[] Expected(byte[] pepper, string key) => HMACSHA256.HashData(pepper, Encoding.UTF8.GetBytes(key));

    [Fact]
    public void TwoHashersWithDifferentPeppers_AlternatingOnOneThread_EachGiveTheirOwnHmac()
    {
        byte[] pepperA = RandomNumberGenerator.GetBytes(32);
        byte[] pepperB = RandomNumberGenerator.GetBytes(32);
        var a = new KeyHasher(pepperA);
        var b = new KeyHasher(pepperB);
        string first = KeyHasher.NewKey(KeyRole.Client);
        string second = KeyHasher.NewKey(KeyRole.Admin);

        for (int round = 0; round < 3; round++)
        {
            Assert.Equal(Expected(pepperA, first), a.Hash(first));
            Assert.Equal(Expected(pepperA, first), a.Hash(first));
            Assert.Equal(Expected(pepperB, first), b.Hash(first));
            Assert.Equal(Expected(pepperA, second), a.Hash(second));
            Assert.Equal(Expected(pepperB, second), b.Hash(second));
        }

        Assert.NotEqual(a.Hash(first), b.Hash(first));
    }

    [Fact]
    public async Task ManyThreadsHashingAtOnce_AllGetTheRightHmac()
    {
        byte[] pepper = RandomNumberGenerator.GetBytes(32);
        var hasher = new KeyHasher(pepper);
        string[] keys = [.. Enumerable.Range(0, 64).Select(_ => KeyHasher.NewKey(KeyRole.Client))];

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
            keys.Select((key, i) => (i, hash: hasher.Hash(keys[(i + worker) % keys.Length]), worker)).ToList())));

        foreach (var (i, hash, worker) in results.SelectMany(r => r))
        {
            Assert.Equal(Expected(pepper, keys[(i + worker) % keys.Length]), hash);
        }
    }

    [Fact]
    public void AKeyLongerThan512Characters_IsHashedOnItsFirst512()
    {
        byte[] pepper = RandomNumberGenerator.GetBytes(32);
        var hasher = new KeyHasher(pepper);
        string longKey = "wdn_" + new string('x', 700);
        Assert.Equal(Expected(pepper, longKey[..512]), hasher.Hash(longKey));
        Assert.Equal(hasher.Hash(longKey[..512] + "different tail"), hasher.Hash(longKey));
    }
}
