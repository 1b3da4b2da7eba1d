using System.Text.Json;
using Microsoft.Data.Sqlite;
using Warden.Server.Hosting;
using Warden.Server.Keys;
using Warden.Server.Residency;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;
using Warden.Server.Usage;

namespace Warden.Server.Tests.Residency;

/// <summary>
/// Issue 20's configuration: residency rules are validated, versioned, logged in the transparency log with every set
/// and clear, and set the same way from the CLI; the transfer register is written with the usage record and reports
/// totals by destination, class and basis, never a value.
/// </summary>
public sealed class ResidencyStoreTests
{
    [Fact]
    public void Set_ValidatesAndNormalises_AndEveryChangeIsAConfigLogEntry()
    {
        using var folder = new TempDirectory();
        var data = DataFolder.Open(folder.Path, null, TimeProvider.System);
        var (tenant, tenantProblem) = data.Billing.Tenants.Add("acme", "CNY");
        Assert.Null(tenantProblem);

        // 'allow' without the legal basis it rests on is refused; so are unknown jurisdictions and actions.
        Assert.Contains("legal basis", data.Residency.Set(new ResidencyRuleSpec("acme", null, "CN", null, "allow")).Problem, StringComparison.Ordinal);
        Assert.NotNull(data.Residency.Set(new ResidencyRuleSpec("acme", null, "C N")).Problem);
        Assert.NotNull(data.Residency.Set(new ResidencyRuleSpec("acme", null, "CN", "CN,,?")).Problem);
        Assert.NotNull(data.Residency.Set(new ResidencyRuleSpec("acme", null, "CN", null, "forward")).Problem);
        Assert.NotNull(data.Residency.Set(new ResidencyRuleSpec("nobody", null, "CN")).Problem);
        Assert.Empty(data.Residency.List());

        var (rule, problem) = data.Residency.Set(new ResidencyRuleSpec("acme", null, "cn", "local, CN", "mask"));
        Assert.Null(problem);
        Assert.Equal(ResidencyScope.Tenant, rule!.Scope);
        Assert.Equal(tenant!.Id, rule.SubjectId);
        Assert.Equal("CN", rule.Home);
        Assert.Equal(["CN", "local"], rule.Allowed.ToArray());
        Assert.Equal(PersonalDataAction.Mask, rule.PersonalDataAbroad);
        Assert.Equal(UninspectableAction.Block, rule.Uninspectable);
        Assert.True(rule.Allows("cn") && rule.Allows("local") && !rule.Allows("US"));
        Assert.False(rule.LeavesHome("local"));
        Assert.True(rule.LeavesHome("SG"));

        var (second, _) = data.Residency.Set(new ResidencyRuleSpec("acme", null, "CN", null, "allow", "standard-contract-2026-03"));
        Assert.Equal(2, second!.Version);
        Assert.Equal(UninspectableAction.Allow, second.Uninspectable);
        Assert.True(second.Allows("US"));
        Assert.Equal("standard-contract-2026-03", second.LegalBasis);

        Assert.Null(data.Residency.Clear("acme", null));
        Assert.NotNull(data.Residency.Clear("acme", null));

        var actions = ConfigEntries(folder.Path).Where(e => e.GetProperty("action").GetString()!.StartsWith("residency.", StringComparison.Ordinal))
            .Select(e => e.GetProperty("action").GetString() + " " + e.GetProperty("subject").GetString()).ToList();
        Assert.Equal(["residency.set tenant:acme", "residency.set tenant:acme", "residency.clear tenant:acme"], actions);
    }

    [Fact]
    public void OperatorPatterns_AreCheckedWhenSet_KeptWithTheRule_AndCommittedInTheLog()
    {
        using var folder = new TempDirectory();
        var data = DataFolder.Open(folder.Path, null, TimeProvider.System);
        data.Billing.Tenants.Add("acme", "CNY");

        // A pattern that needs backtracking, one that matches the empty text, a bad name and a repeated name are refused.
        Assert.Contains("Pattern refused", data.Residency.Set(new ResidencyRuleSpec("acme", null, "CN", Patterns: [@"dup=(a)\1"])).Problem, StringComparison.Ordinal);
        Assert.Contains("Pattern refused", data.Residency.Set(new ResidencyRuleSpec("acme", null, "CN", Patterns: ["empty=x*"])).Problem, StringComparison.Ordinal);
        Assert.Contains("NAME=REGEX", data.Residency.Set(new ResidencyRuleSpec("acme", null, "CN", Patterns: ["Bad Name=EMP"])).Problem, StringComparison.Ordinal);
        Assert.Contains("NAME=REGEX", data.Residency.Set(new ResidencyRuleSpec("acme", null, "CN", Patterns: ["employee_id="])).Problem, StringComparison.Ordinal);
        Assert.Contains("twice", data.Residency.Set(new ResidencyRuleSpec("acme", null, "CN", Patterns: ["a=X[0-9]", "a=Y[0-9]"])).Problem, StringComparison.Ordinal);
        Assert.Empty(data.Residency.List());

        var (rule, problem) = data.Residency.Set(new ResidencyRuleSpec("acme", null, "CN", null, "block", Patterns: ["employee_id=EMP-[0-9]{6}"]));
        Assert.Null(problem);
        var stored = Assert.Single(data.Residency.List());
        Assert.Equal("employee_id", Assert.Single(stored.Patterns).Name);
        Assert.Equal("EMP-[0-9]{6}", stored.Patterns[0].Pattern);
        var match = Assert.Single(stored.Detector!.Find("badge EMP-123456 issued"));
        Assert.Equal("custom:employee_id", match.Class.ToString());
        Assert.Empty(stored.Detector.Find("badge EMP-12345 issued"));

        // The pattern is part of the rule's committed state: an outsider reading the log sees it.
        var entry = ConfigEntries(folder.Path).Last(e => e.GetProperty("action").GetString() == "residency.set");
        string state = entry.GetProperty("changes")[0].GetProperty("state").GetRawText();
        Assert.Contains("EMP-[0-9]{6}", state, StringComparison.Ordinal);
        Assert.Equal(1, rule!.Version);
    }

    [Fact]
    public void KeyRule_MustBelongToTheNamedTenant_AndReplacesTheTenantsRuleForThatKey()
    {
        using var folder = new TempDirectory();
        var data = DataFolder.Open(folder.Path, null, TimeProvider.System);
        var (tenant, _) = data.Billing.Tenants.Add("acme", "CNY");
        data.Billing.Tenants.Add("other", "CNY");
        var own = data.KeyIssuer.Issue("own", KeyRole.Client, null, null).Key;
        var stranger = data.KeyIssuer.Issue("stranger", KeyRole.Client, null, null).Key;
        Assert.Null(data.Billing.Tenants.AssignKey(own.Id, "acme"));
        Assert.Null(data.Billing.Tenants.AssignKey(stranger.Id, "other"));

        Assert.Contains("does not belong", data.Residency.Set(new ResidencyRuleSpec("acme", stranger.Id, "CN")).Problem, StringComparison.Ordinal);
        Assert.Null(data.Residency.Set(new ResidencyRuleSpec("acme", null, "CN", "CN")).Problem);
        Assert.Null(data.Residency.Set(new ResidencyRuleSpec("acme", own.Id, "CN", "CN,US", "allow", "scc-2026")).Problem);

        var catalog = new ResidencyCatalog();
        catalog.Replace(data.Residency.List());
        Assert.Equal(ResidencyScope.Key, catalog.For(own.Id, tenant!.Id)!.Scope);
        Assert.Equal(ResidencyScope.Tenant, catalog.For("another-key-of-acme", tenant.Id)!.Scope);
        Assert.Null(catalog.For(stranger.Id, "other-tenant-id"));
    }

    [Fact]
    public async Task Cli_ProtectionSetShowClear_AndTransfersReport()
    {
        using var folder = new TempDirectory();
        var data = DataFolder.Open(folder.Path, null, TimeProvider.System);
        data.Billing.Tenants.Add("acme", "CNY");

        var (exit, output) = await CliTests.RunAsync("protection", "show", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("No residency rule", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("protection", "set", "--tenant", "acme", "--home", "CN", "--allow", "CN,local", "--personal-data-abroad", "allow", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("legal basis", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("protection", "set", "--tenant", "acme", "--home", "CN", "--allow", "CN,local", "--personal-data-abroad", "mask", "--data", folder.Path);
        Assert.Equal(0, exit);
        (exit, output) = await CliTests.RunAsync("protection", "show", "--data", folder.Path);
        Assert.Contains("allowed: CN,local", output, StringComparison.Ordinal);
        Assert.Contains("personal data abroad: mask", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("protection", "set", "--tenant", "acme", "--home", "CN", "--pattern", "employee_id=EMP-[0-9]{6}", "--data", folder.Path);
        Assert.True(exit == 0, output);
        (exit, output) = await CliTests.RunAsync("protection", "show", "--data", folder.Path);
        Assert.Contains("pattern custom:employee_id: EMP-[0-9]{6}", output, StringComparison.Ordinal);
        (exit, output) = await CliTests.RunAsync("protection", "set", "--tenant", "acme", "--home", "CN", "--pattern", @"x=(a)\1", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("Pattern refused", output, StringComparison.Ordinal);

        (exit, _) = await CliTests.RunAsync("protection", "clear", "--tenant", "acme", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Empty(data.Residency.List());

        (exit, output) = await CliTests.RunAsync("transfers", "report", "--csv", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.StartsWith("jurisdiction,provider,action,legal_basis,class,requests,values", output, StringComparison.Ordinal);
    }

    [Fact]
    public void TransferRegister_IsWrittenWithTheUsageRecord_AndReportsTotalsByDestinationClassAndBasis()
    {
        using var folder = new TempDirectory();
        var data = DataFolder.Open(folder.Path, null, TimeProvider.System);
        var at = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        UsageRecord Record(string id, TransferRecord? transfer) =>
            new(id, "key-1", "m", "m", "ch", null, 200, UsageOutcome.Completed, false, Core.Chat.Usage.NotReported, 1, null, at) { Transfer = transfer };
        data.Usage.InsertBatch(
        [
            Record("r1", new TransferRecord("t1", "CN", "openai", "ch", "US", "cn_id=1,phone=2", 0, "mask", null)),
            Record("r2", new TransferRecord("t1", "CN", "openai", "ch", "US", "phone=1", 0, "mask", null)),
            Record("r3", new TransferRecord("t1", "CN", "anthropic", "ch", "US", "email=1", 1, "allow", "scc-2026")),
            Record("r4", new TransferRecord("t1", "CN", "openai", "ch", "US", "", 0, "none", null)),
            Record("r5", null),
        ]);

        var rows = data.Transfers.Report(null);

        TransferReportRow Row(string provider, string action, string? cls) => rows.Single(r => r.Provider == provider && r.Action == action && r.Class == cls);
        Assert.Equal(2, Row("openai", "mask", null).Requests);
        Assert.Equal((2, 3), (Row("openai", "mask", "phone").Requests, Row("openai", "mask", "phone").Values));
        Assert.Equal(1, Row("openai", "mask", "cn_id").Values);
        Assert.Equal("scc-2026", Row("anthropic", "allow", "email").LegalBasis);
        Assert.Equal(1, Row("openai", "none", null).Requests);
        Assert.Empty(data.Transfers.Report(at.AddMinutes(1)));

        // A record written again (its end failed to send) does not count its transfer twice.
        data.Usage.InsertBatch([Record("r1", new TransferRecord("t1", "CN", "openai", "ch", "US", "cn_id=1,phone=2", 0, "mask", null))]);
        Assert.Equal(2, data.Transfers.Report(null).Single(r => r.Provider == "openai" && r.Action == "mask" && r.Class is null).Requests);
    }

    private static List<JsonElement> ConfigEntries(string dataDirectory)
    {
        using var connection = new SqliteConnection("Data Source=" + Path.Combine(dataDirectory, DataFolder.DatabaseFileName) + ";Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT entry FROM log_entries WHERE kind = 'config' ORDER BY idx";
        using var reader = command.ExecuteReader();
        var entries = new List<JsonElement>();
        while (reader.Read())
        {
            entries.Add(JsonDocument.Parse((byte[])reader.GetValue(0)).RootElement.Clone());
        }

        return entries;
    }
}
