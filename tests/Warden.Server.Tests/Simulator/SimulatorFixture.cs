#pragma warning disable RS0030 // Tests talk to the real Kestrel simulator with a plain HttpClient; the product's named clients are not in play here.

using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

/// <summary>One real simulator on an ephemeral loopback port, shared by the tests of a class.</summary>
public class SimulatorFixture : IAsyncLifetime, IDisposable
{
    public const int ChunkChars = 12;

    private SimulatorHost? _host;
    private HttpClient? _client;

    internal SimulatorHost Host => _host ?? throw new InvalidOperationException("Not started.");

    internal HttpClient Client => _client ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _host = await SimulatorHost.StartAsync(CreateOptions(), CancellationToken.None);
        _client = new HttpClient { BaseAddress = _host.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _client?.Dispose();
        }
    }

    internal virtual SimulatorOptions CreateOptions() => new() { ChunkChars = ChunkChars };
}
