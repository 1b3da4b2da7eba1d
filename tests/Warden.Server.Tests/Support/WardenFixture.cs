namespace Warden.Server.Tests.Support;

/// <summary>One Warden server shared by the tests of a class.</summary>
public sealed class WardenFixture : IAsyncLifetime
{
    internal WardenTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await WardenTestServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
