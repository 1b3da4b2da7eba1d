using Warden.Server.Routing;

namespace Warden.Server.Tests.Routing;

/// <summary>
/// The SSRF guard at configuration time (issue 18): every special-purpose range of the IANA registries, the IPv6 forms
/// that embed an IPv4 address, numeric IPv4 spellings, local and metadata host names, and full-width dots, each refused
/// with its reason; a local profile reaches loopback and private ranges but never link-local or metadata.
/// </summary>
public sealed class UpstreamUrlPolicyTests
{
    [Theory]
    // IPv6 forms that carry an IPv4 address are judged by it.
    [InlineData("http://[::a9fe:a9fe]/v1", "IPv4-compatible form of 169.254.169.254, a cloud metadata address")]
    [InlineData("http://[::ffff:169.254.169.254]/v1", "IPv4-mapped form of 169.254.169.254")]
    [InlineData("http://[::ffff:a9fe:a9fe]/v1", "cloud metadata")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/v1", "NAT64 form of 169.254.169.254")]
    [InlineData("http://[64:ff9b::10.0.0.1]/v1", "NAT64 form of 10.0.0.1, a private address")]
    [InlineData("http://[2002:a9fe:a9fe::1]/v1", "6to4 form of 169.254.169.254")]
    [InlineData("http://[2002:c0a8:101::1]/v1", "6to4 form of 192.168.1.1")]
    [InlineData("http://[2002:7f00:1::]/v1", "6to4 form of 127.0.0.1, a loopback address")]
    [InlineData("http://[::ffff:0:7f00:1]/v1", "IPv4-translated form of 127.0.0.1")]
    [InlineData("http://[::808:808]/v1", "deprecated IPv4-compatible")]
    // IPv4 special-purpose ranges.
    [InlineData("http://0.0.0.0/v1", "this network")]
    [InlineData("http://0.1.2.3/v1", "this network")]
    [InlineData("http://10.0.0.1/v1", "private address (10.0.0.0/8)")]
    [InlineData("http://100.64.0.1/v1", "carrier-grade NAT")]
    [InlineData("http://127.0.0.1/v1", "loopback")]
    [InlineData("http://127.1/v1", "loopback")]
    [InlineData("http://169.254.1.1/v1", "link-local")]
    [InlineData("http://169.254.169.254/v1", "cloud metadata")]
    [InlineData("http://2852039166/v1", "cloud metadata")]
    [InlineData("http://0xa9fea9fe/v1", "cloud metadata")]
    [InlineData("http://0251.0376.0251.0376/v1", "cloud metadata")]
    [InlineData("http://100.100.100.200/v1", "cloud metadata")]
    [InlineData("http://168.63.129.16/v1", "cloud metadata")]
    [InlineData("http://172.16.0.1/v1", "private address (172.16.0.0/12)")]
    [InlineData("http://172.31.255.255/v1", "private address (172.16.0.0/12)")]
    [InlineData("http://192.0.0.8/v1", "IETF protocol assignment")]
    [InlineData("http://192.0.2.1/v1", "documentation")]
    [InlineData("http://192.88.99.1/v1", "6to4 relay")]
    [InlineData("http://192.168.1.1/v1", "private address (192.168.0.0/16)")]
    [InlineData("http://198.18.0.1/v1", "benchmarking")]
    [InlineData("http://198.19.255.254/v1", "benchmarking")]
    [InlineData("http://198.51.100.7/v1", "documentation")]
    [InlineData("http://203.0.113.7/v1", "documentation")]
    [InlineData("http://224.0.0.1/v1", "multicast")]
    [InlineData("http://239.255.255.250/v1", "multicast")]
    [InlineData("http://240.0.0.1/v1", "reserved")]
    [InlineData("http://255.255.255.255/v1", "broadcast")]
    // IPv6 special-purpose ranges.
    [InlineData("http://[::]/v1", "unspecified")]
    [InlineData("http://[::1]/v1", "loopback")]
    [InlineData("http://[64:ff9b:1::1]/v1", "local-use NAT64")]
    [InlineData("http://[100::1]/v1", "discard-only")]
    [InlineData("http://[2001::1]/v1", "Teredo")]
    [InlineData("http://[2001:2::1]/v1", "IETF protocol assignment")]
    [InlineData("http://[2001:db8::1]/v1", "documentation")]
    [InlineData("http://[3fff::1]/v1", "documentation")]
    [InlineData("http://[fc00::1]/v1", "unique local")]
    [InlineData("http://[fd12:3456::1]/v1", "unique local")]
    [InlineData("http://[fd00:ec2::254]/v1", "cloud metadata")]
    [InlineData("http://[fe80::1]/v1", "link-local")]
    [InlineData("http://[fec0::1]/v1", "site-local")]
    [InlineData("http://[ff02::1]/v1", "multicast")]
    // Host names.
    [InlineData("http://localhost/v1", "this machine")]
    [InlineData("http://LOCALHOST./v1", "this machine")]
    [InlineData("http://localhost.localdomain/v1", "this machine")]
    [InlineData("http://api.localhost/v1", "this machine")]
    [InlineData("http://localhost\uFF0E/v1", "this machine")]
    [InlineData("http://localhost\u3002localdomain/v1", "this machine")]
    [InlineData("http://metadata/v1", "cloud metadata service")]
    [InlineData("http://metadata.google.internal/v1", "cloud metadata service")]
    [InlineData("http://metadata.google.internal./v1", "cloud metadata service")]
    [InlineData("http://metadata\uFF61google\uFF61internal/v1", "cloud metadata service")]
    [InlineData("http://instance-data.ec2.internal/v1", "cloud metadata service")]
    [InlineData("http://intranet/v1", "local or private-network name")]
    [InlineData("http://printer.local/v1", "local or private-network name")]
    [InlineData("http://db.corp.internal/v1", "local or private-network name")]
    [InlineData("http://router.home.arpa/v1", "local or private-network name")]
    public void PublicChannel_RefusesTheSpecialAddressOrName_WithItsReason(string url, string reason)
    {
        string? problem = UpstreamUrlPolicy.Validate(new Uri(url), allowPrivateNetwork: false);
        Assert.NotNull(problem);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://api.openai.com/v1")]
    [InlineData("https://api.anthropic.com/v1")]
    [InlineData("https://1.1.1.1/v1")]
    [InlineData("https://[2606:4700::1111]/v1")]
    [InlineData("https://[2002:808:808::1]/v1")]   // 6to4 of a public address
    [InlineData("https://[64:ff9b::808:808]/v1")]  // NAT64 of a public address
    [InlineData("https://[::ffff:8.8.8.8]/v1")]
    [InlineData("https://xn--exmple-cua.com/v1")]
    public void PublicChannel_AcceptsPublicAddressesAndNames(string url) =>
        Assert.Null(UpstreamUrlPolicy.Validate(new Uri(url), allowPrivateNetwork: false));

    [Theory]
    [InlineData("http://127.0.0.1:8000/v1")]
    [InlineData("http://[::1]:11434/v1")]
    [InlineData("http://localhost:11434/v1")]
    [InlineData("http://10.1.2.3/v1")]
    [InlineData("http://192.168.0.5/v1")]
    [InlineData("http://100.64.0.9/v1")]
    [InlineData("http://[fd12::1]/v1")]
    [InlineData("http://[::ffff:127.0.0.1]/v1")]
    [InlineData("http://gpu-box.internal/v1")]
    [InlineData("http://gpu-box/v1")]
    public void LocalChannel_ReachesLoopbackAndPrivateRanges(string url) =>
        Assert.Null(UpstreamUrlPolicy.Validate(new Uri(url), allowPrivateNetwork: true));

    [Theory]
    [InlineData("http://169.254.169.254/v1", "cloud metadata")]
    [InlineData("http://169.254.0.1/v1", "link-local")]
    [InlineData("http://[fe80::1]/v1", "link-local")]
    [InlineData("http://[fd00:ec2::254]/v1", "cloud metadata")]
    [InlineData("http://[::a9fe:a9fe]/v1", "cloud metadata")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/v1", "cloud metadata")]
    [InlineData("http://100.100.100.200/v1", "cloud metadata")]
    [InlineData("http://metadata.google.internal/v1", "cloud metadata service")]
    [InlineData("http://metadata/v1", "cloud metadata service")]
    [InlineData("http://0.0.0.0/v1", "this network")]
    [InlineData("http://224.0.0.1/v1", "multicast")]
    public void LocalChannel_NeverReachesLinkLocalOrMetadata(string url, string reason)
    {
        string? problem = UpstreamUrlPolicy.Validate(new Uri(url), allowPrivateNetwork: true);
        Assert.NotNull(problem);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
        Assert.Contains("no channel may reach it", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TheVllmProfile_IsRefusedAMetadataUrl_ThroughTheRegistrar()
    {
        using var directory = new Support.TempDirectory();
        var folder = Warden.Server.Hosting.DataFolder.Open(directory.Path, masterKeyFromEnvironment: null, TimeProvider.System);
        var refused = folder.ChannelRegistrar.Add(new ChannelSpec("imds", "vllm", "http://169.254.169.254/v1", ["m"], 0, null, AllowPrivateNetwork: false));
        Assert.Contains("cloud metadata", refused.Problem, StringComparison.Ordinal);
        var local = folder.ChannelRegistrar.Add(new ChannelSpec("gpu", "vllm", "http://127.0.0.1:8000/v1", ["m"], 0, null, AllowPrivateNetwork: false));
        Assert.Null(local.Problem);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
