using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Warden.Core.Providers;
using Warden.Server.Hosting;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Hosting;

/// <summary>
/// What the receipt learns about the upstream (issue 19, "receipts bind the upstream"), at the level of the server's own
/// upstream handler and adapter against real TLS Kestrel servers on 127.0.0.1: the key of the connection that carried
/// each call (pooled connections of one host presenting different keys), and the hash of the body as it was sent.
/// </summary>
public sealed class UpstreamBindingTests
{
    [Fact]
    public async Task TlsCalls_StateTheKeyOfTheConnectionThatCarriedThem_AndTheHashOfTheBodySent()
    {
        // Two keys for one host and port: the upstream hands them out in turn, one per new connection.
        using var keyA = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var keyB = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificateA = SelfSigned(keyA, "upstream-a");
        using var certificateB = SelfSigned(keyB, "upstream-b");

        // The pins, computed from the keys themselves, not from the certificates Warden reads.
        var pinOf = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [certificateA.Thumbprint] = Convert.ToHexStringLower(SHA256.HashData(keyA.ExportSubjectPublicKeyInfo())),
            [certificateB.Thumbprint] = Convert.ToHexStringLower(SHA256.HashData(keyB.ExportSubjectPublicKeyInfo())),
        };
        const int Parallel = 4;
        await using var upstream = await RecordingUpstream.StartAsync([certificateA, certificateB], holdUntil: Parallel);
        var (adapter, handler) = Adapter();
        using var _ = handler;

        // The test trusts its two certificates; production keeps the platform's validation (nothing else changes).
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && pinOf.ContainsKey(certificate.GetCertHashString());
        var target = new UpstreamTarget(upstream.BaseUrl, ProviderProfiles.Simulator, null, AllowPrivateNetwork: true);
        var keysSeen = new HashSet<string>(StringComparer.Ordinal);

        // Round 1 opens Parallel connections at once (the upstream holds every answer until all have arrived); round 2
        // and 3 ride those pooled connections in whatever order the pool hands them out, stream and not.
        for (int round = 0; round < 3; round++)
        {
            var calls = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(i => CallAsync(adapter, target, stream: (round + i) % 2 == 1)));
            foreach (var (connection, digest, body) in calls)
            {
                var (sent, certificate) = upstream.SentWith(RecordingUpstream.NonceOf(body));
                Assert.Equal(sent, body);
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(sent)), digest);
                Assert.Equal(("127.0.0.1", upstream.BaseUrl.Port), (connection.Host, connection.Port));
                Assert.Equal(pinOf[certificate!.Thumbprint], connection.TlsSpkiSha256);
                keysSeen.Add(connection.TlsSpkiSha256!);
            }
        }

        Assert.Equal(2, keysSeen.Count);
    }

    [Fact]
    public async Task PlainHttpCalls_StateHostAndPort_AndNoKey()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        var (adapter, handler) = Adapter();
        using var _ = handler;
        var target = new UpstreamTarget(upstream.BaseUrl, ProviderProfiles.Simulator, null, AllowPrivateNetwork: true);
        var (connection, digest, body) = await CallAsync(adapter, target, stream: true);
        Assert.Equal(new UpstreamConnection("127.0.0.1", upstream.BaseUrl.Port, null), connection);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(upstream.SentWith(RecordingUpstream.NonceOf(body)).Body)), digest);
    }

    private static async Task<(UpstreamConnection Connection, string Digest, byte[] Body)> CallAsync(UpstreamAdapter adapter, UpstreamTarget target, bool stream)
    {
        string streamField = stream ? ",\"stream\":true" : "";
        byte[] request = System.Text.Encoding.UTF8.GetBytes($"{{\"model\":\"{RecordingUpstream.Model}\",\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}]{streamField}}}");
        using var call = await adapter.SendAsync(target, request, stream, CancellationToken.None);
        Assert.Null(call.Error);
        byte[] body = await HttpContentReader.ReadBoundedAsync(call.Response!.Content, 1024 * 1024, CancellationToken.None);
        return (call.Connection!, call.ResponseDigest!.Sha256(), body);
    }

    /// <summary>The server's upstream adapter around one handler of the server's connector (both pools alike).</summary>
    private static (UpstreamAdapter Adapter, SocketsHttpHandler Handler) Adapter()
    {
        var handler = new UpstreamConnector((_, _) => Task.FromResult(new[] { IPAddress.Loopback }), () => []).CreateHandler();
#pragma warning disable RS0030 // the clients WardenApp registers with IHttpClientFactory, built here around the test's trust
        var client = new HttpClient(handler, disposeHandler: false);
#pragma warning restore RS0030
        return (new UpstreamAdapter(client, client), handler);
    }

    private static X509Certificate2 SelfSigned(ECDsa key, string name)
    {
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(1));

        // Through PKCS#12 so the private key is usable by the TLS server on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}
