using Warden.Server.Billing;
using Warden.Server.Hosting;

namespace Warden.Server.Tests.Billing;

/// <summary>Redemption codes: stored only as keyed hashes, redeemed once even under concurrency.</summary>
public sealed class RedemptionCodesTests
{
    [Fact]
    public void Codes_AreRandom128Bit_AndStoredOnlyAsHashes()
    {
        using var setup = new BillingSetup();
        var (batch, codes, problem) = setup.Billing.Codes.CreateBatch(3, 5_000_000, "usd");
        Assert.Null(problem);
        Assert.NotNull(batch);
        Assert.Equal(3, codes.Distinct(StringComparer.Ordinal).Count());
        Assert.All(codes, c =>
        {
            Assert.StartsWith(RedemptionCodes.Prefix, c, StringComparison.Ordinal);
            Assert.Equal(16, Convert.FromBase64String(c[RedemptionCodes.Prefix.Length..].Replace('-', '+').Replace('_', '/') + "==").Length);
        });

        setup.Folder.Usage.Dispose();
        byte[] database = File.ReadAllBytes(Path.Combine(setup.DataPath, DataFolder.DatabaseFileName));
        string wal = Path.Combine(setup.DataPath, DataFolder.DatabaseFileName + "-wal");
        byte[] log = File.Exists(wal) ? File.ReadAllBytes(wal) : [];
        foreach (string code in codes)
        {
            byte[] needle = System.Text.Encoding.UTF8.GetBytes(code[RedemptionCodes.Prefix.Length..]);
            Assert.Equal(-1, database.AsSpan().IndexOf(needle));
            Assert.Equal(-1, log.AsSpan().IndexOf(needle));
        }
    }

    [Fact]
    public void Redeem_CreditsOnce_RefusesUnknownAndReused()
    {
        using var setup = new BillingSetup();
        var (_, codes, _) = setup.Billing.Codes.CreateBatch(1, 5_000_000, "USD");

        var first = setup.Billing.Codes.Redeem(codes[0], setup.Tenant);
        Assert.True(first.Redeemed);
        Assert.Equal(5_000_000, first.AmountMicros);
        Assert.Equal(5_000_000, setup.Billing.Ledger.Balance(setup.Tenant.AccountId));

        Assert.Same(RedemptionResult.AlreadyRedeemed, setup.Billing.Codes.Redeem(codes[0], setup.Tenant));
        Assert.Same(RedemptionResult.Invalid, setup.Billing.Codes.Redeem(codes[0][..^1] + (codes[0][^1] == 'A' ? 'B' : 'A'), setup.Tenant));
        Assert.Same(RedemptionResult.Invalid, setup.Billing.Codes.Redeem("not-a-code", setup.Tenant));
        Assert.Equal(5_000_000, setup.Billing.Ledger.Balance(setup.Tenant.AccountId));
        Assert.Empty(setup.Billing.Check.Run());
    }

    [Fact]
    public void Redeem_RefusesACodeInAnotherCurrency()
    {
        using var setup = new BillingSetup();
        var (_, codes, _) = setup.Billing.Codes.CreateBatch(1, 5_000_000, "EUR");
        var result = setup.Billing.Codes.Redeem(codes[0], setup.Tenant);
        Assert.False(result.Redeemed);
        Assert.Contains("EUR", result.Problem, StringComparison.Ordinal);
        Assert.Equal(0, setup.Billing.Ledger.Balance(setup.Tenant.AccountId));
    }

    [Fact]
    public async Task TwentyParallelRedeemsOfOneCode_ExactlyOneSucceeds()
    {
        using var setup = new BillingSetup();
        var other = setup.Billing.Tenants.Add("globex", "USD").Tenant!;
        var (_, codes, _) = setup.Billing.Codes.CreateBatch(1, 7_000_000, "USD");

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            setup.Billing.Codes.Redeem(codes[0], i % 2 == 0 ? setup.Tenant : other))));

        Assert.Single(results, r => r.Redeemed);
        Assert.Equal(19, results.Count(r => ReferenceEquals(r, RedemptionResult.AlreadyRedeemed)));
        long total = setup.Billing.Ledger.Balance(setup.Tenant.AccountId)!.Value + setup.Billing.Ledger.Balance(other.AccountId)!.Value;
        Assert.Equal(7_000_000, total);
        Assert.Empty(setup.Billing.Check.Run());
    }
}
