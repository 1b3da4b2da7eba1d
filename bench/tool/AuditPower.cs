using System.Diagnostics;
using System.Globalization;
using Warden.Server.Audit;
using Warden.Server.Audit.Checks;
using Warden.Server.Audit.Clients;
using Warden.Server.Audit.Reports;
using Warden.Server.Simulator;

namespace Warden.Bench;

/// <summary>
/// <c>warden-bench audit-power</c>: the power study of <c>warden audit</c> (issue 21). Per seed, in process, it starts the
/// simulator honest and with each dishonest mode on free 127.0.0.1 ports, and runs the audit's checks through the
/// audit's own protocol clients with that seed, within the default request budget: the honest simulator gets every
/// check (false positives), each dishonest mode the check meant to catch it (detections), with that check's share of
/// the default budget. An honest simulator serves as the reference. Prints the markdown table docs/audit.md shows.
/// Bounded by the seed count and by the tool's time limit (whatever finished is printed).
/// </summary>
internal static class AuditPower
{
    /// <summary>The dishonest modes and the check meant to catch each, as `warden simulate --dishonest` spells them.</summary>
    public static readonly IReadOnlyList<(string Mode, string Check)> DefaultModes =
    [
        ("substitute=sim-small", AuditCheckIds.Substitution),
        ("inflate=1.3", AuditCheckIds.Usage),
        ("truncate-context=8", AuditCheckIds.Context),
        ("cap-output=16", AuditCheckIds.Output),
        ("replay", AuditCheckIds.Replay),
        ("inject-tool", AuditCheckIds.Tools),
    ];

    private const string Model = "sim-large";

    public static async Task<int> RunAsync(
        int seeds, IReadOnlyCollection<string>? checks, IReadOnlyCollection<string>? modes, bool withReference, int maxRequests,
        string? reportDirectory, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        // The receipts check needs a Warden in front; against the bare simulator it is skipped, so it is not studied here.
        IAuditCheck[] all = [new SubstitutionCheck(), new UsageCheck(), new ContextCheck(), new OutputCheck(), new ReplayCheck(), new ToolsCheck()];
        var selected = all.Where(c => checks is null || checks.Contains(c.Id)).ToList();
        var plan = DefaultModes.Where(m => (modes is null || modes.Contains(m.Mode) || modes.Contains(m.Mode.Split('=')[0]))
            && selected.Any(c => c.Id == m.Check)).ToList();
        // Each check's share of the whole default budget, as `warden audit` gives it when every check runs.
        var shares = AuditRunner.Share(maxRequests, [.. all.Select(c => c.DefaultRequests), new ReceiptsCheck().DefaultRequests]);
        var share = all.Select((c, i) => (c.Id, shares[i])).ToDictionary(p => p.Id, p => p.Item2, StringComparer.Ordinal);

        var tally = new Dictionary<(string Scenario, string Check), Cell>();
        var surprises = new List<string>();
        using var http = new AuditHttp(TimeSpan.FromSeconds(120), TimeProvider.System);
        await using var reference = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, cancellationToken);
        var clock = Stopwatch.StartNew();
        int done = 0;
        try
        {
            for (int seed = 1; seed <= seeds; seed++)
            {
                await RunScenarioAsync("honest", SimulatorDishonesty.Honest, selected, seed, selected.Sum(c => share[c.Id]));
                foreach (var (mode, check) in plan)
                {
                    if (!SimulatorDishonesty.TryParse([mode], out var dishonesty, out string? error))
                    {
                        throw new InvalidOperationException(error);
                    }

                    await RunScenarioAsync(mode, dishonesty, [.. selected.Where(c => c.Id == check)], seed, share[check]);
                }

                done = seed;
                await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"audit-power: seed {seed}/{seeds} done after {clock.Elapsed.TotalSeconds:0} s"));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await progress.WriteLineAsync($"audit-power: time limit reached after {done} complete seeds; the table shows what finished");
        }

        await WriteTableAsync(output, tally, plan, selected, done, withReference, maxRequests, share, clock.Elapsed);
        if (surprises.Count > 0)
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync("False alarms and misses:");
            await output.WriteLineAsync();
            foreach (string line in surprises)
            {
                await output.WriteLineAsync(line);
            }
        }

        return 0;

        async Task RunScenarioAsync(string scenario, SimulatorDishonesty dishonesty, IReadOnlyList<IAuditCheck> run, int seed, int budget)
        {
            await using var host = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0, Dishonesty = dishonesty }, cancellationToken);
            var target = AuditTargets.Create(AuditProtocol.OpenAIChat, "target", host.BaseUrl, Model, "bench", http);
            var trusted = withReference ? AuditTargets.Create(AuditProtocol.OpenAIChat, "reference", reference.BaseUrl, Model, "bench", http) : null;
            var runner = new AuditRunner(run, TimeProvider.System);
            var settings = new AuditSettings { Seed = seed, MaxRequests = budget };
            var report = await runner.RunAsync(target, trusted, settings, [.. run.Select(c => c.Id)], NoProgress.Instance, cancellationToken);
            if (reportDirectory is not null && seed == 1)
            {
                // The first seed's reports, to look at what `warden audit --json/--html` writes for each simulator.
                Directory.CreateDirectory(reportDirectory);
                string name = Path.Combine(reportDirectory, scenario.Replace('=', '-'));
                await using (var json = File.Create(name + ".json"))
                {
                    AuditJsonReport.Write(report, json);
                }

                await using var html = new StreamWriter(name + ".html");
                AuditHtmlReport.Write(report, html);
            }

            foreach (var result in report.Checks)
            {
                var key = (scenario, result.Id);
                tally[key] = (tally.TryGetValue(key, out var cell) ? cell : new Cell()).Add(result);
                // A false alarm or a miss, with the check's own words, so that a rate off its goal can be looked into.
                if ((scenario == "honest") == (result.Verdict == AuditVerdict.Fail))
                {
                    surprises.Add(string.Create(CultureInfo.InvariantCulture, $"- seed {seed}, {scenario}, {result.Id}: {result.Verdict.ToString().ToLowerInvariant()}: {result.Summary}"));
                }
            }
        }
    }

    private static async Task WriteTableAsync(
        TextWriter output, Dictionary<(string Scenario, string Check), Cell> tally, IReadOnlyList<(string Mode, string Check)> plan,
        IReadOnlyList<IAuditCheck> selected, int seeds, bool withReference, int maxRequests, Dictionary<string, int> share, TimeSpan elapsed)
    {
        var invariant = CultureInfo.InvariantCulture;
        await output.WriteLineAsync(string.Create(invariant,
            $"warden audit power study: {seeds} seeds, model {Model} over OpenAI Chat, alpha 0.01, default budget {maxRequests} requests "
            + $"({(withReference ? "an honest simulator as reference" : "no reference")}), {elapsed.TotalMinutes:0.#} min"));
        await output.WriteLineAsync();
        await output.WriteLineAsync("| simulator | check | budget | runs | flagged (fail) | pass | inconclusive | rate flagged | goal | mean requests | mean tokens |");
        await output.WriteLineAsync("|---|---|--:|--:|--:|--:|--:|--:|---|--:|--:|");
        foreach (var check in selected)
        {
            await RowAsync("honest", check.Id, "≤ 1%");
        }

        foreach (var (mode, check) in plan)
        {
            await RowAsync(mode, check, "≥ 95%");
        }

        async Task RowAsync(string scenario, string check, string goal)
        {
            if (!tally.TryGetValue((scenario, check), out var cell) || cell.Runs == 0)
            {
                return;
            }

            double rate = (double)cell.Fail / cell.Runs;
            bool met = goal.StartsWith('≤') ? rate <= 0.01 : rate >= 0.95;
            await output.WriteLineAsync(string.Create(invariant,
                $"| {scenario} | {check} | {share[check]} | {cell.Runs} | {cell.Fail} | {cell.Pass} | {cell.Inconclusive + cell.Skipped} | {rate:P0} | {goal} {(met ? "met" : "NOT met")} "
                + $"| {(double)cell.Requests / cell.Runs:0} | {(double)cell.Tokens / cell.Runs:0} |"));
        }
    }

    private sealed record Cell(int Runs = 0, int Fail = 0, int Pass = 0, int Inconclusive = 0, int Skipped = 0, long Requests = 0, long Tokens = 0)
    {
        public Cell Add(AuditCheckResult result) => this with
        {
            Runs = Runs + 1,
            Fail = Fail + (result.Verdict == AuditVerdict.Fail ? 1 : 0),
            Pass = Pass + (result.Verdict == AuditVerdict.Pass ? 1 : 0),
            Inconclusive = Inconclusive + (result.Verdict == AuditVerdict.Inconclusive ? 1 : 0),
            Skipped = Skipped + (result.Verdict == AuditVerdict.Skipped ? 1 : 0),
            Requests = Requests + result.Requests,
            Tokens = Tokens + result.Tokens,
        };
    }

    private sealed class NoProgress : IAuditProgress
    {
        public static readonly NoProgress Instance = new();

        public void CheckStarted(IAuditCheck check, int requestBudget)
        {
        }

        public void Advanced(IAuditCheck check, int requests)
        {
        }

        public void CheckFinished(IAuditCheck check, AuditCheckResult result)
        {
        }
    }
}
