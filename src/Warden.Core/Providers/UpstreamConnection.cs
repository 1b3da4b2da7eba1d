using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Warden.Core.Providers;

/// <summary>
/// The upstream connection that carried an attempt, as the receipt states it: the host name and port connected to and,
/// when the connection is TLS, the SHA-256 (lower-case hex) of the certificate's SubjectPublicKeyInfo (the key the
/// upstream proved it holds in the handshake, the same value as an HPKP/`openssl pkey -pubin -outform der | sha256sum`
/// pin). Null <see cref="TlsSpkiSha256"/> means plain http: no key was presented.
/// </summary>
/// <remarks>
/// The connection handler (the server's connector) creates one per connection once its TLS handshake is done, and calls
/// <see cref="MarkCarrying"/> on every write of request bytes. HTTP/1.1 (the only version Warden asks upstreams for)
/// carries one request at a time on a connection, and writes a request's bytes from that request's own async flow, so
/// the observer set by <see cref="Observe"/> in the flow that sends a request learns the connection that carried it,
/// even when the pool hands it a connection another request opened.
/// </remarks>
public sealed record UpstreamConnection(string Host, int Port, string? TlsSpkiSha256)
{
    private static readonly AsyncLocal<Observer?> Current = new();

    /// <summary>SHA-256 (lower-case hex) of a certificate's DER SubjectPublicKeyInfo.</summary>
    public static string SpkiSha256(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexStringLower(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>Starts observing, in the calling async flow (and the flows it starts), which connection carries requests.</summary>
    public static Observer Observe()
    {
        var observer = new Observer();
        Current.Value = observer;
        return observer;
    }

    /// <summary>Called by the connection on each write of request bytes: the request being written in this flow rides on it.</summary>
    public void MarkCarrying()
    {
        if (Current.Value is { } observer)
        {
            observer.Connection = this;
        }
    }

    /// <summary>Learns the connection of the request sent in its flow (the last one written, when a request was resent).</summary>
    public sealed class Observer
    {
        private UpstreamConnection? _connection;

        public UpstreamConnection? Connection
        {
            get => Volatile.Read(ref _connection);
            internal set => Volatile.Write(ref _connection, value);
        }
    }
}
