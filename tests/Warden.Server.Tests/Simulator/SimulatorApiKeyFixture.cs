using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorApiKeyFixture : SimulatorFixture
{
    public const string ApiKey = "sk-sim-test-key";

    internal override SimulatorOptions CreateOptions() => base.CreateOptions() with { ApiKey = ApiKey };
}
