#pragma warning disable RS0030 // Tests talk to the real Kestrel simulator with a plain HttpClient.

using System.Globalization;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

/// <summary>
/// Issue 21: each `--dishonest` mode over real HTTP, in every dialect, streamed and not, next to the honest simulator
/// that the same probe passes.
/// </summary>
public sealed class SimulatorDishonestTests
{
    public static TheoryData<string, bool> DialectsAndStreams() => SimulatorSamplingTests.DialectsAndStreams();

    [Theory]
    [MemberData(nameof(DialectsAndStreams))]
    public async Task Substitute_AnswersAsTheOtherModel_WhileNamingTheRequestedOne(string dialect, bool stream)
    {
        await using var honest = await Running.StartAsync(SimulatorDishonesty.Honest);
        await using var dishonest = await Running.StartAsync(new SimulatorDishonesty { Substitute = "sim-small" });
        var identity = SimulatorProbe.Ask("Which model are you?");
        Assert.Equal("I am sim-large, a simulated model.", (await SimulatorProbe.AskAsync(honest.Client, dialect, "sim-large", stream, identity)).Text);
        var substituted = await SimulatorProbe.AskAsync(dishonest.Client, dialect, "sim-large", stream, identity);
        Assert.Equal("I am sim-small, a simulated model.", substituted.Text);
        Assert.Equal("sim-large", substituted.Model);

        // sim-large writes at least 20 words, sim-small at most 20: the substitute's style shows in every sample.
        for (var i = 0; i < 8; i++)
        {
            var prompt = SimulatorProbe.Ask($"Explain idea {i}.");
            var real = await SimulatorProbe.AskAsync(honest.Client, dialect, "sim-large", stream, prompt, temperature: 1);
            var fake = await SimulatorProbe.AskAsync(dishonest.Client, dialect, "sim-large", stream, prompt, temperature: 1);
            Assert.True(real.Words >= 20, real.Text);
            Assert.True(fake.Words <= 20, fake.Text);
            Assert.Equal("sim-large", fake.Model);
        }
    }

    [Theory]
    [MemberData(nameof(DialectsAndStreams))]
    public async Task Inflate_MultipliesReportedTokens_TextUnchanged(string dialect, bool stream)
    {
        await using var honest = await Running.StartAsync(SimulatorDishonesty.Honest);
        await using var dishonest = await Running.StartAsync(new SimulatorDishonesty { Inflate = 2 });
        var prompt = SimulatorProbe.Ask("Tell me something about copper and engines.");
        var real = await SimulatorProbe.AskAsync(honest.Client, dialect, "sim-large", stream, prompt);
        var billed = await SimulatorProbe.AskAsync(dishonest.Client, dialect, "sim-large", stream, prompt);
        Assert.Equal(real.Text, billed.Text);
        Assert.True(real.InputTokens > 0 && real.OutputTokens > 0);
        Assert.Equal(2 * real.InputTokens, billed.InputTokens);
        Assert.Equal(2 * real.OutputTokens, billed.OutputTokens);
    }

    [Theory]
    [MemberData(nameof(DialectsAndStreams))]
    public async Task TruncateContext_ForgetsEarlyMessages_KeepsTheSystemPrompt(string dialect, bool stream)
    {
        await using var honest = await Running.StartAsync(SimulatorDishonesty.Honest);
        await using var dishonest = await Running.StartAsync(new SimulatorDishonesty { TruncateContext = 3 });
        const string System = "The code word for heron is slate-9.";
        IReadOnlyList<ProbeMessage> history =
        [
            new("user", "The code word for falcon is amber-42."),
            new("assistant", "Noted."),
            new("user", "The code word for wren is ivy-3."),
            new("assistant", "Noted too."),
        ];
        ProbeMessage Ask(string label) => new("user", $"What is the code word for {label}?");

        var remembered = await SimulatorProbe.AskAsync(honest.Client, dialect, "sim-small", stream, [.. history, Ask("falcon")], system: System);
        Assert.Equal("The code word for falcon is amber-42.", remembered.Text);
        var forgotten = await SimulatorProbe.AskAsync(dishonest.Client, dialect, "sim-small", stream, [.. history, Ask("falcon")], system: System);
        Assert.Equal("I do not know the code word for falcon.", forgotten.Text);

        // The last three messages and the system prompt are still read.
        var recent = await SimulatorProbe.AskAsync(dishonest.Client, dialect, "sim-small", stream, [.. history, Ask("wren")], system: System);
        Assert.Equal("The code word for wren is ivy-3.", recent.Text);
        var system = await SimulatorProbe.AskAsync(dishonest.Client, dialect, "sim-small", stream, [.. history, Ask("heron")], system: System);
        Assert.Equal("The code word for heron is slate-9.", system.Text);

        // The bill still counts the whole prompt.
        Assert.Equal(remembered.InputTokens, forgotten.InputTokens);
    }

    [Theory]
    [MemberData(nameof(DialectsAndStreams))]
    public async Task CapOutput_CutsTheAnswer_AndSaysStop(string dialect, bool stream)
    {
        await using var honest = await Running.StartAsync(SimulatorDishonesty.Honest);
        await using var dishonest = await Running.StartAsync(new SimulatorDishonesty { CapOutput = 10 });
        var full = string.Join(' ', Enumerable.Range(1, 60).Select(n => n.ToString(CultureInfo.InvariantCulture)));
        var prompt = SimulatorProbe.Ask("Count from 1 to 60.");
        var real = await SimulatorProbe.AskAsync(honest.Client, dialect, "sim-small", stream, prompt, maxTokens: 500);
        Assert.Equal(full, real.Text);

        var capped = await SimulatorProbe.AskAsync(dishonest.Client, dialect, "sim-small", stream, prompt, maxTokens: 500);
        Assert.Equal("stop", capped.Finish);
        Assert.True(capped.OutputTokens <= 10, capped.OutputTokens.ToString(CultureInfo.InvariantCulture));
        Assert.Equal((capped.Text.Length + 3) / 4, capped.OutputTokens);
        Assert.StartsWith(capped.Text + " ", full, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DialectsAndStreams))]
    public async Task Replay_SampledRequestsComeBackIdentical(string dialect, bool stream)
    {
        await using var honest = await Running.StartAsync(SimulatorDishonesty.Honest);
        await using var dishonest = await Running.StartAsync(new SimulatorDishonesty { Replay = true });
        var prompt = SimulatorProbe.Ask("Write a line about orchards.");
        var honestTexts = new HashSet<string>(StringComparer.Ordinal);
        var replayedTexts = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 4; i++)
        {
            honestTexts.Add((await SimulatorProbe.AskAsync(honest.Client, dialect, "sim-large", stream, prompt, temperature: 1)).Text);
            replayedTexts.Add((await SimulatorProbe.AskAsync(dishonest.Client, dialect, "sim-large", i % 2 == 0 ? stream : !stream, prompt, temperature: 1)).Text);
        }

        Assert.Equal(4, honestTexts.Count);
        Assert.Single(replayedTexts);

        // Another conversation gets its own answer.
        var other = await SimulatorProbe.AskAsync(dishonest.Client, dialect, "sim-large", stream, SimulatorProbe.Ask("Write a line about meadows."), temperature: 1);
        Assert.DoesNotContain(other.Text, replayedTexts);
    }

    [Theory]
    [MemberData(nameof(DialectsAndStreams))]
    public async Task InjectTool_AddsACallTheRequestNeverDeclared(string dialect, bool stream)
    {
        await using var honest = await Running.StartAsync(SimulatorDishonesty.Honest);
        await using var dishonest = await Running.StartAsync(new SimulatorDishonesty { InjectTool = true });
        var prompt = SimulatorProbe.Ask("Say hello.");
        var real = await SimulatorProbe.AskAsync(honest.Client, dialect, "sim-small", stream, prompt);
        Assert.Empty(real.ToolNames);
        Assert.Equal("stop", real.Finish);

        var injected = await SimulatorProbe.AskAsync(dishonest.Client, dialect, "sim-small", stream, prompt);
        Assert.Equal(SimulatorInjectedCall.ToolName, Assert.Single(injected.ToolNames));
        Assert.Equal("tool", injected.Finish);
    }

    [Theory]
    [InlineData("substitute=sim-small", "substitute=sim-small")]
    [InlineData("inflate=1.5", "inflate=1.5")]
    [InlineData("truncate-context=4", "truncate-context=4")]
    [InlineData("cap-output=32", "cap-output=32")]
    [InlineData("replay", "replay")]
    [InlineData("inject-tool", "inject-tool")]
    public void TryParse_ValidMode_IsRead(string mode, string description)
    {
        Assert.True(SimulatorDishonesty.TryParse([mode], out var dishonesty, out var error), error);
        Assert.Equal(description, dishonesty.Description);
        Assert.False(dishonesty.IsHonest);
    }

    [Theory]
    [InlineData("substitute=gpt-4o", "substitute=MODEL")]
    [InlineData("substitute", "substitute=MODEL")]
    [InlineData("inflate=0", "inflate=FACTOR")]
    [InlineData("inflate=many", "inflate=FACTOR")]
    [InlineData("truncate-context=0", "truncate-context=N")]
    [InlineData("cap-output=-3", "cap-output=N")]
    [InlineData("replay=yes", "takes no value")]
    [InlineData("lie", "Unknown --dishonest mode 'lie'")]
    public void TryParse_InvalidMode_SaysWhatIsWrong(string mode, string expected)
    {
        Assert.False(SimulatorDishonesty.TryParse([mode], out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_ModeTwice_IsRefused()
    {
        Assert.False(SimulatorDishonesty.TryParse(["inflate=2", "inflate=3"], out _, out var error));
        Assert.Contains("twice", error, StringComparison.Ordinal);
    }

    /// <summary>A simulator with the given modes and a client for it.</summary>
    private sealed class Running : IAsyncDisposable
    {
        private readonly SimulatorHost _host;

        private Running(SimulatorHost host)
        {
            _host = host;
            Client = new HttpClient { BaseAddress = host.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        }

        public HttpClient Client { get; }

        public static async Task<Running> StartAsync(SimulatorDishonesty dishonesty) =>
            new(await SimulatorHost.StartAsync(new SimulatorOptions { Dishonesty = dishonesty }, CancellationToken.None));

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await _host.DisposeAsync();
        }
    }
}
