using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

/// <summary>A simulator whose sampled answers come from a fixed seed, so statistical assertions are reproducible.</summary>
public sealed class SeededSimulatorFixture : SimulatorFixture
{
    internal override SimulatorOptions CreateOptions() => new() { ChunkChars = ChunkChars, SamplingSeed = 21 };
}

/// <summary>Issue 21: temperature above 0 without a seed samples a fresh answer; temperature 0, absent, or a seed is deterministic.</summary>
public sealed class SimulatorSamplingTests(SeededSimulatorFixture fixture) : IClassFixture<SeededSimulatorFixture>
{
    public static TheoryData<string, bool> DialectsAndStreams()
    {
        var data = new TheoryData<string, bool>();
        foreach (var dialect in SimulatorProbe.Dialects)
        {
            data.Add(dialect, false);
            data.Add(dialect, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DialectsAndStreams))]
    public async Task Answer_TemperatureAboveZero_IsSampledAfresh(string dialect, bool stream)
    {
        var texts = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 5; i++)
        {
            var reply = await SimulatorProbe.AskAsync(fixture.Client, dialect, "sim-small", stream, SimulatorProbe.Ask("Tell me about rivers."), temperature: 0.8);
            Assert.StartsWith("Simulated ", reply.Text, StringComparison.Ordinal);
            texts.Add(reply.Text);
        }

        Assert.Equal(5, texts.Count);
    }

    [Theory]
    [MemberData(nameof(DialectsAndStreams))]
    public async Task Answer_TemperatureZeroOrAbsent_IsTheSameEveryTime(string dialect, bool stream)
    {
        var prompt = SimulatorProbe.Ask("Tell me about bridges.");
        var absent = await SimulatorProbe.AskAsync(fixture.Client, dialect, "sim-large", stream, prompt);
        var again = await SimulatorProbe.AskAsync(fixture.Client, dialect, "sim-large", !stream, prompt);
        var zero = await SimulatorProbe.AskAsync(fixture.Client, dialect, "sim-large", stream, prompt, temperature: 0);
        Assert.Equal(absent.Text, again.Text);
        Assert.Equal(absent.Text, zero.Text);

        // The prompt still decides the text.
        var other = await SimulatorProbe.AskAsync(fixture.Client, dialect, "sim-large", stream, SimulatorProbe.Ask("Tell me about harbors."));
        Assert.NotEqual(absent.Text, other.Text);
    }

    [Theory]
    [InlineData("chat", false)]
    [InlineData("chat", true)]
    [InlineData("gemini", false)]
    [InlineData("gemini", true)]
    public async Task Answer_SeedWithTemperature_IsTheSameEveryTime(string dialect, bool stream)
    {
        var prompt = SimulatorProbe.Ask("Tell me about valleys.");
        var first = await SimulatorProbe.AskAsync(fixture.Client, dialect, "sim-small", stream, prompt, temperature: 1, seed: 7);
        var second = await SimulatorProbe.AskAsync(fixture.Client, dialect, "sim-small", !stream, prompt, temperature: 1, seed: 7);
        Assert.Equal(first.Text, second.Text);
    }
}
