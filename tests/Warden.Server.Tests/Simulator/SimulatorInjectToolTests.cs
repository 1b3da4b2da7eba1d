using System.Net;
using System.Text.Json;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

/// <summary>
/// The inject-tool faults (issue 19; issue 21's auditor reuses them): the simulator adds a tool call the request did not
/// offer, or one whose arguments are not JSON, in every dialect, streamed or not; a client talking to it directly gets it.
/// </summary>
public sealed class SimulatorInjectToolTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    public static TheoryData<string, bool> DialectsStreamedOrNot() => SimulatorPathFaultTests.DialectsStreamedOrNot();

    [Theory]
    [MemberData(nameof(DialectsStreamedOrNot))]
    public async Task InjectTool_AddsACallToAnUndeclaredTool_AfterTheAnswer(string dialect, bool stream)
    {
        using var response = await SimulatorDialectCase.For(dialect).PostAsync(_client, "Tell me about routers.", stream, header: SimulatorFault.InjectToolName);
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(SimulatorInjectedCall.ToolName, body, StringComparison.Ordinal);
        if (!stream)
        {
            // (A stream splits the arguments into pieces, so the marker is looked for in whole answers.)
            Assert.Contains("sim-injected-payload", body, StringComparison.Ordinal);
            // Still a valid answer of the dialect: only the call is dishonest.
            using var document = JsonDocument.Parse(body);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        }

        var entry = await SimulatorDialectCalls.EntryAsync(fixture, response);
        Assert.Equal(SimulatorFault.InjectToolName, entry.Fault);
    }

    [Theory]
    [MemberData(nameof(DialectsStreamedOrNot))]
    public async Task InjectToolBadArgs_AddsACallWhoseArgumentsAreNotAJsonObject(string dialect, bool stream)
    {
        using var response = await SimulatorDialectCase.For(dialect).PostAsync(_client, "Tell me about routers.", stream, faultPrefix: SimulatorFault.InjectToolBadArgumentsName);
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(SimulatorInjectedCall.ToolName, body, StringComparison.Ordinal);
        if (!stream || dialect == "gemini")
        {
            Assert.Contains("sim-injected-badargs", body, StringComparison.Ordinal);
        }

        if (!stream)
        {
            using var document = JsonDocument.Parse(body);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        }
    }

    [Theory]
    [InlineData("inject-tool", false)]
    [InlineData("INJECT-TOOL-BADARGS", true)]
    public void Parse_InjectFaults_AreWholeNames(string text, bool badArguments)
    {
        Assert.True(SimulatorFault.TryParse(text, out var fault, out _));
        Assert.Equal(badArguments ? SimulatorFaultKind.InjectToolBadArguments : SimulatorFaultKind.InjectTool, fault.Kind);
        Assert.False(SimulatorFault.TryParse("inject-7", out _, out _));
    }

    [Fact]
    public void Plan_TheLaterInjectFaultWins()
    {
        Assert.True(SimulatorFaultPlan.TryCreate("inject-tool-badargs", ["inject-tool"], out var plan, out _));

        Assert.Equal(SimulatorToolInjection.BadArguments, plan.Injection);
        Assert.Equal("inject-tool-badargs", plan.Description);
    }
}
