using System.Globalization;
using System.Text.Json;

namespace Warden.Server.Tests.Simulator;

/// <summary>Issue 21: the tasks `warden audit` probes with (identity, fact recall, counting) and the advertised limits.</summary>
public sealed class SimulatorTaskTests(SeededSimulatorFixture fixture) : IClassFixture<SeededSimulatorFixture>
{
    public static TheoryData<string, bool> DialectsAndStreams() => SimulatorSamplingTests.DialectsAndStreams();

    [Theory]
    [MemberData(nameof(DialectsAndStreams))]
    public async Task Identity_WhichModelAreYou_NamesTheModelThatAnswers(string dialect, bool stream)
    {
        foreach (var model in (string[])["sim-small", "sim-large", "sim-reasoner"])
        {
            var reply = await SimulatorProbe.AskAsync(fixture.Client, dialect, model, stream, SimulatorProbe.Ask("Hello! Which model are you?"), temperature: 1);
            Assert.Equal($"I am {model}, a simulated model.", reply.Text);
            Assert.Equal(model, reply.Model);
        }
    }

    [Theory]
    [MemberData(nameof(DialectsAndStreams))]
    public async Task Recall_FactPlantedEarlier_IsRecalledAndAnUnknownOneIsNot(string dialect, bool stream)
    {
        IReadOnlyList<ProbeMessage> conversation =
        [
            new("user", "Please remember this. The code word for falcon is amber-42. Thanks."),
            new("assistant", "Noted."),
            new("user", "Some unrelated talk about gardens."),
            new("assistant", "Gardens are nice."),
            new("user", "What is the code word for falcon?"),
        ];
        var known = await SimulatorProbe.AskAsync(fixture.Client, dialect, "sim-large", stream, conversation, temperature: 1, system: "The code word for heron is slate-9.");
        Assert.Equal("The code word for falcon is amber-42.", known.Text);

        var fromSystem = await SimulatorProbe.AskAsync(
            fixture.Client, dialect, "sim-large", stream, [.. conversation.SkipLast(1), new("user", "What is the code word for heron?")], system: "The code word for heron is slate-9.");
        Assert.Equal("The code word for heron is slate-9.", fromSystem.Text);

        var unknown = await SimulatorProbe.AskAsync(fixture.Client, dialect, "sim-large", stream, [.. conversation.SkipLast(1), new("user", "What is the code word for osprey?")]);
        Assert.Equal("I do not know the code word for osprey.", unknown.Text);
    }

    [Theory]
    [MemberData(nameof(DialectsAndStreams))]
    public async Task Count_FromOneToN_IsTheNumbersAndStopsOrIsCutWithLength(string dialect, bool stream)
    {
        var full = string.Join(' ', Enumerable.Range(1, 120).Select(n => n.ToString(CultureInfo.InvariantCulture)));
        var reply = await SimulatorProbe.AskAsync(fixture.Client, dialect, "sim-small", stream, SimulatorProbe.Ask("Count from 1 to 120, please."), temperature: 1, maxTokens: 2000);
        Assert.Equal(full, reply.Text);
        Assert.Equal("stop", reply.Finish);
        Assert.Equal((full.Length + 3) / 4, reply.OutputTokens);

        var cut = await SimulatorProbe.AskAsync(fixture.Client, dialect, "sim-small", stream, SimulatorProbe.Ask("Count from 1 to 120, please."), maxTokens: 20);
        Assert.Equal("length", cut.Finish);
        Assert.True(cut.Text.Length is > 0 and <= 80, cut.Text);
        Assert.StartsWith(cut.Text + " ", full, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelLists_AdvertiseTheContextWindowAndOutputLimit()
    {
        using (var models = JsonDocument.Parse(await fixture.Client.GetStringAsync(new Uri(fixture.Host.RootUrl, "v1/models"))))
        {
            // The chat models advertise their limits; the operation models (sim-embed, sim-rerank, ...) name their operations instead.
            var data = models.RootElement.GetProperty("data").EnumerateArray().Where(m => !m.TryGetProperty("operations", out _)).ToList();
            Assert.Equal(3, data.Count);
            foreach (var model in data)
            {
                Assert.Equal(32768, model.GetProperty("context_window").GetInt32());
                Assert.Equal(8192, model.GetProperty("max_output_tokens").GetInt32());
            }
        }

        using var gemini = JsonDocument.Parse(await fixture.Client.GetStringAsync(new Uri(fixture.Host.RootUrl, "v1beta/models")));
        foreach (var model in gemini.RootElement.GetProperty("models").EnumerateArray()
                     .Where(m => m.GetProperty("supportedGenerationMethods").EnumerateArray().Any(x => x.GetString() == "generateContent")))
        {
            Assert.Equal(32768, model.GetProperty("inputTokenLimit").GetInt32());
            Assert.Equal(8192, model.GetProperty("outputTokenLimit").GetInt32());
        }
    }
}
