using Warden.Server.Billing;
using Warden.Server.Tests.Simulator;

namespace Warden.Server.Tests.Billing;

/// <summary>Rate limits on a manual clock: requests/min, tokens/min and concurrency, with the Retry-After to send.</summary>
public sealed class RateLimiterTests
{
    [Fact]
    public void RequestsPerMinute_RefusesTheExtraRequest_WithRetryAfter_ThenRefills()
    {
        var clock = new ManualTimeProvider();
        var limiter = new RateLimiter(clock);
        RateLimits[] limits = [new("key", "k1", 3, null, null)];

        for (int i = 0; i < 3; i++)
        {
            Assert.True(limiter.TryAcquire(limits, 0).Allowed);
        }

        var refused = limiter.TryAcquire(limits, 0);
        Assert.False(refused.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(20), refused.RetryAfter);   // one request per 20 s refills
        Assert.Equal(20, refused.RetryAfterSeconds);
        Assert.Contains("request rate limit", refused.Problem, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromSeconds(19));
        var stillRefused = limiter.TryAcquire(limits, 0);
        Assert.False(stillRefused.Allowed);
        Assert.Equal(1, stillRefused.RetryAfterSeconds);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire(limits, 0).Allowed);
        Assert.False(limiter.TryAcquire(limits, 0).Allowed);
    }

    [Fact]
    public void TokensPerMinute_CountsTheReservation_AndGetsUnusedTokensBack()
    {
        var clock = new ManualTimeProvider();
        var limiter = new RateLimiter(clock);
        RateLimits[] limits = [new("tenant", "t1", null, 1_000, null)];

        var first = limiter.TryAcquire(limits, 800);
        Assert.True(first.Allowed);
        var refused = limiter.TryAcquire(limits, 300);
        Assert.False(refused.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(6), refused.RetryAfter);   // 100 tokens missing at 1_000 per minute
        Assert.Contains("token rate limit", refused.Problem, StringComparison.Ordinal);

        first.Lease!.Complete(tokensUsed: 200);   // 600 unused come back
        Assert.True(limiter.TryAcquire(limits, 300).Allowed);
    }

    [Fact]
    public void ARequestLargerThanTheWholeMinute_PassesOnlyFromAFullBucket()
    {
        var clock = new ManualTimeProvider();
        var limiter = new RateLimiter(clock);
        RateLimits[] limits = [new("key", "k1", null, 1_000, null)];

        Assert.True(limiter.TryAcquire(limits, 2_500).Allowed);   // full bucket: allowed, 1_500 in debt
        var refused = limiter.TryAcquire(limits, 10);
        Assert.False(refused.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(90.6), refused.RetryAfter);   // 1_510 tokens at 1_000/min
        clock.Advance(TimeSpan.FromSeconds(91));
        Assert.True(limiter.TryAcquire(limits, 10).Allowed);
    }

    [Fact]
    public void Concurrency_RefusesBeyondTheLimit_UntilALeaseIsReturned()
    {
        var limiter = new RateLimiter(new ManualTimeProvider());
        RateLimits[] limits = [new("key", "k1", null, null, 2)];

        var a = limiter.TryAcquire(limits, 0);
        var b = limiter.TryAcquire(limits, 0);
        Assert.True(a.Allowed && b.Allowed);
        var refused = limiter.TryAcquire(limits, 0);
        Assert.False(refused.Allowed);
        Assert.Equal(1, refused.RetryAfterSeconds);
        Assert.Contains("concurrency", refused.Problem, StringComparison.Ordinal);

        a.Lease!.Dispose();
        a.Lease.Dispose();   // returning twice frees one slot only
        Assert.True(limiter.TryAcquire(limits, 0).Allowed);
        Assert.False(limiter.TryAcquire(limits, 0).Allowed);
    }

    [Fact]
    public void KeyAndTenantLimits_BothApply_AndARefusalTakesNothing()
    {
        var clock = new ManualTimeProvider();
        var limiter = new RateLimiter(clock);
        var tenant = new RateLimits("tenant", "t1", 2, null, null);
        RateLimits[] keyA = [new("key", "a", 10, null, null), tenant];
        RateLimits[] keyB = [new("key", "b", 1, null, null), tenant];

        Assert.True(limiter.TryAcquire(keyB, 0).Allowed);
        Assert.False(limiter.TryAcquire(keyB, 0).Allowed);   // key b's own limit; the tenant's bucket is not charged
        Assert.True(limiter.TryAcquire(keyA, 0).Allowed);    // tenant now at 2 of 2
        var refused = limiter.TryAcquire(keyA, 0);
        Assert.False(refused.Allowed);
        Assert.Contains("tenant", refused.Problem, StringComparison.Ordinal);
        Assert.Equal(30, refused.RetryAfterSeconds);
    }
    [Fact]
    public void ConcurrencyFull_AndATokenBucketInDebt_RetryAfterIsTheBucketsWait_NotTheOneSecondHint()
    {
        var clock = new ManualTimeProvider();
        var limiter = new RateLimiter(clock);
        RateLimits[] limits = [new("key", "k1", null, 1_000, 1)];

        Assert.True(limiter.TryAcquire(limits, 2_500).Allowed);   // full bucket: allowed, 1_500 in debt, the one slot taken
        var refused = limiter.TryAcquire(limits, 10);
        Assert.False(refused.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(90.6), refused.RetryAfter);   // 1_510 tokens at 1_000/min, not "1 s"
        Assert.Equal(91, refused.RetryAfterSeconds);
        Assert.Contains("token rate limit", refused.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralLimitsRefuse_RetryAfterIsTheLongestWait_WhicheverIsCheckedFirst()
    {
        var clock = new ManualTimeProvider();
        var limiter = new RateLimiter(clock);
        RateLimits[] limits = [new("tenant", "t1", 1, null, null), new("key", "k1", null, 1_000, null)];

        Assert.True(limiter.TryAcquire(limits, 2_500).Allowed);
        var refused = limiter.TryAcquire(limits, 10);
        Assert.False(refused.Allowed);
        Assert.Equal(91, refused.RetryAfterSeconds);   // the key's token debt (90.6 s), not the tenant's 60 s request refill
        Assert.Contains("key token rate limit", refused.Problem, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromSeconds(90));
        Assert.False(limiter.TryAcquire(limits, 10).Allowed);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire(limits, 10).Allowed);   // told 91 s, admitted after 91 s
    }

    [Fact]
    public void ADebtTooDeepForALong_SaysTheLongestWait_NeverWrapsToOneSecond()
    {
        var limiter = new RateLimiter(new ManualTimeProvider());
        RateLimits[] limits = [new("key", "k1", null, 1, null)];

        Assert.True(limiter.TryAcquire(limits, 4_600_000_000_000_000_000).Allowed);   // max_tokens near 2^62 passes from a full bucket
        var refused = limiter.TryAcquire(limits, 10);
        Assert.False(refused.Allowed);
        Assert.Equal(TimeSpan.MaxValue, refused.RetryAfter);
        Assert.Equal((long)Math.Ceiling(TimeSpan.MaxValue.TotalSeconds), refused.RetryAfterSeconds);
    }

    [Fact]
    public void ARequestForNoTokens_IsNotHeldBackByATokenBucketInDebt_ButCountsAsARequest()
    {
        var limiter = new RateLimiter(new ManualTimeProvider());
        RateLimits[] limits = [new("key", "k1", 2, 1_000, null)];

        Assert.True(limiter.TryAcquire(limits, 2_500).Allowed);   // bucket in debt
        Assert.True(limiter.TryAcquire(limits, 0).Allowed);       // a count_tokens call: one request, no tokens
        var refused = limiter.TryAcquire(limits, 0);
        Assert.False(refused.Allowed);
        Assert.Contains("request rate limit", refused.Problem, StringComparison.Ordinal);
    }
}
