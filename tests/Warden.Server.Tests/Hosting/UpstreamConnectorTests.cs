using System.Net;
using Warden.Core.Providers;
using Warden.Server.Hosting;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Hosting;

/// <summary>
/// The SSRF check at connect time (issue 18): every address a name resolves to is checked, the machine's own addresses
/// included, with the resolver and the own-address list as seams; and real connects to the simulator on 127.0.0.1.
/// </summary>
public sealed class UpstreamConnectorTests
{
    private static readonly IPAddress OwnPublicAddress = IPAddress.Parse("8.8.4.4");

    private static readonly Dictionary<string, IPAddress[]> Names = new(StringComparer.Ordinal)
    {
        ["public.example.com"] = [IPAddress.Parse("93.184.216.34")],
        ["mixed.example.com"] = [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("169.254.169.254")],
        ["mapped.example.com"] = [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("::ffff:10.0.0.7")],
        ["private.example.com"] = [IPAddress.Parse("10.0.0.7")],
        ["imds6.example.com"] = [IPAddress.Parse("fd00:ec2::254")],
        ["self.example.com"] = [OwnPublicAddress],
        ["upstream.example.com"] = [IPAddress.Loopback],
    };

    [Theory]
    [InlineData("mixed.example.com", false, "169.254.169.254 is a cloud metadata address")]
    [InlineData("mixed.example.com", true, "169.254.169.254 is a cloud metadata address")]
    [InlineData("mapped.example.com", false, "IPv4-mapped form of 10.0.0.7")]
    [InlineData("private.example.com", false, "private address")]
    [InlineData("imds6.example.com", true, "cloud metadata")]
    [InlineData("self.example.com", false, "this machine's own addresses")]
    [InlineData("upstream.example.com", false, "loopback")]
    [InlineData("metadata.google.internal", true, "cloud metadata service")]
    [InlineData("localhost", false, "this machine")]
    [InlineData("169.254.169.254", true, "cloud metadata")]
    public async Task ResolvedAddresses_AreAllChecked_AndOneRefusedAddressRefusesTheName(string host, bool local, string reason)
    {
        var (addresses, problem) = await Connector().ResolveAsync(host, local, CancellationToken.None);
        Assert.Null(addresses);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public.example.com", false)]
    [InlineData("private.example.com", true)]
    [InlineData("self.example.com", true)]        // a local profile may reach this machine
    [InlineData("upstream.example.com", true)]
    public async Task PermittedNames_ResolveToTheirAddresses(string host, bool local)
    {
        var (addresses, problem) = await Connector().ResolveAsync(host, local, CancellationToken.None);
        Assert.Null(problem);
        Assert.Equal(Names[host], addresses);
    }

    [Fact]
    public async Task RealConnect_ToTheSimulatorOn127001_SucceedsForALocalChannel_AndIsRefusedForAPublicOne()
    {
        await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, CancellationToken.None);
        int port = simulator.BaseUrl.Port;

        // A name that resolves to loopback, and the loopback literal: a local channel connects, a public one never does.
        // A handler each, so a pooled connection of one cannot stand in for the other's connect.
        foreach (string host in new[] { "upstream.example.com", "127.0.0.1" })
        {
            using (var handler = Connector().CreateHandler())
            using (var invoker = new HttpMessageInvoker(handler))
            using (var local = Get(host, port, allowPrivateNetwork: true))
            using (var answered = await invoker.SendAsync(local, CancellationToken.None))
            {
                Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            }

            using (var handler = Connector().CreateHandler())
            using (var invoker = new HttpMessageInvoker(handler))
            using (var external = Get(host, port, allowPrivateNetwork: false))
            {
                var refused = await Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(external, CancellationToken.None));
                Assert.Contains("loopback", refused.ToString(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task APublicChannel_NeverReusesAConnectionALocalChannelOpened_ToTheSameHost()
    {
        await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, CancellationToken.None);
        var connector = Connector();
        using var publicHandler = connector.CreateHandler();
        using var privateHandler = connector.CreateHandler();
#pragma warning disable RS0030 // the two pools WardenApp registers with IHttpClientFactory, built here around the test's resolver
        using var publicClient = new HttpClient(publicHandler);
        using var privateClient = new HttpClient(privateHandler);
#pragma warning restore RS0030
        var adapter = new UpstreamAdapter(publicClient, privateClient);
        var url = new Uri($"http://upstream.example.com:{simulator.BaseUrl.Port}/v1/");
        var body = """{"model":"sim-small","messages":[{"role":"user","content":"hi"}]}"""u8.ToArray();

        // The local channel connects (loopback is allowed for it) and leaves a pooled, kept-alive connection behind.
        using (var local = await adapter.SendAsync(new UpstreamTarget(url, ProviderProfiles.Simulator, null, AllowPrivateNetwork: true), body, false, CancellationToken.None))
        {
            Assert.Null(local.Error);
        }

        // A public channel naming the same host and port must be checked again, not ride the local channel's connection.
        using var external = await adapter.SendAsync(new UpstreamTarget(url, ProviderProfiles.Simulator, null, AllowPrivateNetwork: false), body, false, CancellationToken.None);
        Assert.Equal(UpstreamErrorKind.ConnectFailed, external.Error?.Kind);
    }

    private static HttpRequestMessage Get(string host, int port, bool allowPrivateNetwork)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{host}:{port}/v1/models"));
        request.Options.Set(UpstreamTarget.AllowPrivateNetworkOption, allowPrivateNetwork);
        return request;
    }

    private static UpstreamConnector Connector() => new(
        (host, _) => Names.TryGetValue(host, out var addresses)
            ? Task.FromResult(addresses)
            : throw new InvalidOperationException($"The test resolver was asked for '{host}', which the policy should have refused by name."),
        () => [OwnPublicAddress]);
}
