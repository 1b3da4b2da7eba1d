using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Warden.Server.Hosting;
using Warden.Server.Residency;
using Warden.Server.Routing;
using Warden.Server.Tests.Resilience;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Residency;

/// <summary>
/// Issue 20's decision per attempt, end to end through a real Warden and the simulator: a request whose destination
/// is abroad is scanned; <c>block</c> refuses it with the documented 403 (classes, destination and rule named, never the
/// value) unless a channel at home can serve it; <c>allow</c> forwards the client's exact bytes and registers the
/// transfer with its legal basis; images and files follow the rule's choice; a request that stays home is not
/// registered. What the upstream got is read from the simulator's journal and the receipt's hashes.
/// </summary>
public sealed class PersonalDataAbroadTests
{
    // A resident identity number with a valid GB 11643 check digit (the standard's own example) and a mobile number.
    private const string IdNumber = "11010519491231002X";
    private const string Mobile = "13800138000";

    private static ChannelTuning In(string jurisdiction) => new(1, Jurisdiction: jurisdiction);

    private static string PromptWithPersonalData => $"My id is {IdNumber}, call me on {Mobile}.";

    [Fact]
    public async Task Block_RefusesWith403PersonalDataAbroad_NamingClassesDestinationAndRule_NeverTheValues()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("abroad", "", tuning: In("US"));
        var (key, keyId) = ResidencyRoutingTests.IssueKey(lab);
        ResidencyRoutingTests.Set(lab, new ResidencyRuleSpec(null, keyId, "CN", null, "block"));

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", PromptWithPersonalData)));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        using var error = JsonDocument.Parse(text);
        var body = error.RootElement.GetProperty("error");
        Assert.Equal("personal_data_abroad", body.GetProperty("code").GetString());
        string message = body.GetProperty("message").GetString()!;
        Assert.Contains("cn_id=1", message, StringComparison.Ordinal);
        Assert.Contains("phone=1", message, StringComparison.Ordinal);
        Assert.Contains("US", message, StringComparison.Ordinal);
        Assert.Contains("key:" + keyId, message, StringComparison.Ordinal);
        Assert.DoesNotContain(IdNumber, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Mobile, text, StringComparison.Ordinal);
        Assert.Empty(lab.Simulator.Journal.Snapshot());

        var row = await lab.Server.UsageForAsync(response.Headers.GetValues("x-request-id").Single());
        Assert.Equal("refused_residency", row.Outcome);
        Assert.Null(Transfer(lab, row.Id));
    }

    [Fact]
    public async Task Block_AppliesTheRulesOwnPatterns_NamingTheirClass()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("abroad", "", tuning: In("US"));
        var (key, keyId) = ResidencyRoutingTests.IssueKey(lab);
        ResidencyRoutingTests.Set(lab, new ResidencyRuleSpec(null, keyId, "CN", null, "block", Patterns: ["employee_id=EMP-[0-9]{6}"]));

        // Nothing the built-in recognisers know: only the operator's pattern stops it.
        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", "Badge EMP-204816 needs access.")));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        Assert.Contains("custom:employee_id=1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("EMP-204816", text, StringComparison.Ordinal);
        Assert.Empty(lab.Simulator.Journal.Snapshot());

        // Without the pattern the same text goes.
        ResidencyRoutingTests.Set(lab, new ResidencyRuleSpec(null, keyId, "CN", null, "block"));
        using var plain = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", "Badge EMP-204816 needs access.")));
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
    }

    [Fact]
    public async Task Block_WithAChannelAtHome_IsServedAtHome()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("abroad", "500", priority: 10, tuning: In("US"));
        lab.Add("home", "", priority: 0, tuning: In("CN"));
        var (key, keyId) = ResidencyRoutingTests.IssueKey(lab);
        ResidencyRoutingTests.Set(lab, new ResidencyRuleSpec(null, keyId, "CN", null, "block"));

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", PromptWithPersonalData)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("CN", response.Headers.GetValues("Warden-Jurisdiction").Single());
        Assert.Equal(0, lab.Received("500"));
        var claims = await FallbackTests.VerifiedClaimsAsync(lab.Server, response);
        Assert.DoesNotContain(claims.Changes, c => c.StartsWith("pii:", StringComparison.Ordinal) || c.StartsWith("transfer:", StringComparison.Ordinal));
        await lab.Server.FlushUsageAsync();
        Assert.Null(Transfer(lab, claims.RequestId));
    }

    [Fact]
    public async Task Allow_ForwardsTheClientsExactBytes_AndRegistersTheTransferWithItsLegalBasis()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("abroad", "", tuning: In("US"));
        var (key, keyId) = ResidencyRoutingTests.IssueKey(lab);
        ResidencyRoutingTests.Set(lab, new ResidencyRuleSpec(null, keyId, "CN", "CN,US", "allow", "standard-contract-2026-03"));

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", PromptWithPersonalData)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var claims = await FallbackTests.VerifiedClaimsAsync(lab.Server, response);
        Assert.Equal(claims.ClientRequestSha256, claims.UpstreamRequestSha256);
        Assert.Contains("pii:allow:cn_id=1,phone=1", claims.Changes);
        Assert.Contains("transfer:US;basis=standard-contract-2026-03", claims.Changes);
        Assert.Equal("US", claims.Jurisdiction);

        await lab.Server.FlushUsageAsync();
        var transfer = Transfer(lab, claims.RequestId)!;
        Assert.Equal(("US", "simulator", "allow", "standard-contract-2026-03", "cn_id=1,phone=1", keyId), (transfer.Jurisdiction, transfer.Provider, transfer.Action, transfer.Basis, transfer.Classes, transfer.KeyId));

        var report = lab.Server.App.Data.Transfers.Report(null);
        Assert.Contains(report, r => r is { Jurisdiction: "US", Action: "allow", LegalBasis: "standard-contract-2026-03", Class: "cn_id", Values: 1 });
    }

    [Fact]
    public async Task NothingFound_Abroad_GoesUnchanged_AndIsRegisteredAsATransferWithActionNone()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("abroad", "", tuning: In("US"));
        var (key, keyId) = ResidencyRoutingTests.IssueKey(lab);
        ResidencyRoutingTests.Set(lab, new ResidencyRuleSpec(null, keyId, "CN", null, "block"));

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", "Write a haiku about rivers.")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var claims = await FallbackTests.VerifiedClaimsAsync(lab.Server, response);
        Assert.Equal(claims.ClientRequestSha256, claims.UpstreamRequestSha256);
        await lab.Server.FlushUsageAsync();
        var transfer = Transfer(lab, claims.RequestId)!;
        Assert.Equal(("none", ""), (transfer.Action, transfer.Classes));
    }

    [Fact]
    public async Task Image_Abroad_FollowsTheRulesChoiceForUninspectableParts()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("abroad", "", tuning: In("US"));
        var (key, keyId) = ResidencyRoutingTests.IssueKey(lab);
        ResidencyRoutingTests.Set(lab, new ResidencyRuleSpec(null, keyId, "CN", null, "mask", Uninspectable: "block"));
        const string withImage = """
            {"model":"sim-small","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},
            {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}}]}]}
            """;

        using (var refused = await lab.Server.Http.SendAsync(Requests.Chat(key, withImage)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var error = await Requests.ErrorAsync(refused);
            Assert.Equal("personal_data_abroad", error.GetProperty("code").GetString());
            Assert.Contains("cannot be inspected", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        ResidencyRoutingTests.Set(lab, new ResidencyRuleSpec(null, keyId, "CN", null, "mask", Uninspectable: "allow"));
        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, withImage));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await lab.Server.FlushUsageAsync();
        Assert.Equal(1, Transfer(lab, response.Headers.GetValues("x-request-id").Single())!.Uninspected);
    }

    [Fact]
    public async Task WithoutRule_NothingIsScannedOrRegistered()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("abroad", "", tuning: In("US"));
        var (key, _) = ResidencyRoutingTests.IssueKey(lab);

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", PromptWithPersonalData)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var claims = await FallbackTests.VerifiedClaimsAsync(lab.Server, response);
        Assert.Empty(claims.Changes);
        await lab.Server.FlushUsageAsync();
        Assert.Null(Transfer(lab, claims.RequestId));
    }

    internal sealed record TransferRow(string? KeyId, string Jurisdiction, string Provider, string Action, string? Basis, string Classes, int Uninspected);

    internal static TransferRow? Transfer(RoutingLab lab, string requestId)
    {
        using var connection = new SqliteConnection("Data Source=" + Path.Combine(lab.Server.DataDirectory, DataFolder.DatabaseFileName) + ";Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_id, jurisdiction, provider, action, legal_basis, classes, uninspected FROM transfers WHERE request_id = $id";
        command.Parameters.AddWithValue("$id", requestId);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new TransferRow(reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.GetInt32(6))
            : null;
    }
}
