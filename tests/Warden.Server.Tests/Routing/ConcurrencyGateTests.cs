using Warden.Server.Routing;

namespace Warden.Server.Tests.Routing;

public sealed class ConcurrencyGateTests
{
    [Fact]
    public void TryEnter_ChannelLimit_RefusesOnlyThatChannel()
    {
        var gate = new ConcurrencyGate(totalLimit: 0);

        Assert.True(gate.TryEnter("a", 2, out var first));
        Assert.True(gate.TryEnter("a", 2, out var second));
        Assert.False(gate.TryEnter("a", 2, out var refused));
        Assert.Null(refused);
        Assert.True(gate.TryEnter("b", 2, out var other));

        Assert.Equal(2, gate.InFlight("a"));
        Assert.Equal(1, gate.InFlight("b"));
        Assert.Equal(3, gate.TotalInFlight);

        first.Dispose();
        Assert.True(gate.TryEnter("a", 2, out var again));
        Assert.Equal(2, gate.InFlight("a"));
        second.Dispose();
        other.Dispose();
        again.Dispose();
        Assert.Equal(0, gate.TotalInFlight);
    }

    [Fact]
    public void TryEnter_TotalLimit_RefusesEveryChannelWithoutLeakingChannelSlots()
    {
        var gate = new ConcurrencyGate(totalLimit: 3);
        var leases = new List<ConcurrencyLease>();
        foreach (string channel in new[] { "a", "b", "c" })
        {
            Assert.True(gate.TryEnter(channel, 0, out var lease));
            leases.Add(lease);
        }

        Assert.False(gate.TryEnter("d", 0, out _));
        Assert.False(gate.TryEnter("a", 10, out _));

        Assert.Equal(3, gate.TotalInFlight);
        Assert.Equal(1, gate.InFlight("a"));
        Assert.Equal(0, gate.InFlight("d"));

        leases[0].Dispose();
        Assert.True(gate.TryEnter("d", 0, out var late));
        Assert.Equal(1, gate.InFlight("d"));
        late.Dispose();
        leases.ForEach(lease => lease.Dispose());
        Assert.Equal(0, gate.TotalInFlight);
    }

    [Fact]
    public void TryEnter_ChannelFull_DoesNotHoldATotalSlot()
    {
        var gate = new ConcurrencyGate(totalLimit: 2);
        Assert.True(gate.TryEnter("a", 1, out var held));

        Assert.False(gate.TryEnter("a", 1, out _));

        Assert.Equal(1, gate.TotalInFlight);
        Assert.True(gate.TryEnter("b", 1, out var other));
        held.Dispose();
        other.Dispose();
    }

    [Fact]
    public void Dispose_Twice_ReleasesOnce()
    {
        var gate = new ConcurrencyGate(totalLimit: 5);
        Assert.True(gate.TryEnter("a", 5, out var one));
        Assert.True(gate.TryEnter("a", 5, out var two));

        one.Dispose();
        one.Dispose();
        one.Dispose();

        Assert.Equal(1, gate.InFlight("a"));
        Assert.Equal(1, gate.TotalInFlight);
        two.Dispose();
        Assert.Equal(0, gate.InFlight("a"));
        Assert.Equal(0, gate.TotalInFlight);
    }

    [Fact]
    public void TryEnter_NoLimits_CountsButNeverRefuses()
    {
        var gate = new ConcurrencyGate(totalLimit: 0);
        var leases = new List<ConcurrencyLease>();

        for (int i = 0; i < 1000; i++)
        {
            Assert.True(gate.TryEnter("a", -1, out var lease));
            leases.Add(lease);
        }

        Assert.Equal(1000, gate.InFlight("a"));
        Assert.Equal(1000, gate.TotalInFlight);
        leases.ForEach(lease => lease.Dispose());
        Assert.Equal(0, gate.TotalInFlight);
    }

    [Fact]
    public void InFlight_UnknownChannel_IsZero()
    {
        Assert.Equal(0, new ConcurrencyGate(1).InFlight("never-seen"));
    }

    [Fact]
    public void TryEnter_ConcurrentStress_NeverExceedsLimitsAndDrainsToZero()
    {
        const int ChannelLimit = 3;
        const int TotalLimit = 5;
        string[] channels = ["a", "b", "c"];
        var gate = new ConcurrencyGate(TotalLimit);
        int admitted = 0;
        int violations = 0;

        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            string channel = channels[i % channels.Length];
            if (!gate.TryEnter(channel, ChannelLimit, out var lease))
            {
                return;
            }

            Interlocked.Increment(ref admitted);
            if (gate.InFlight(channel) > ChannelLimit || gate.TotalInFlight > TotalLimit)
            {
                Interlocked.Increment(ref violations);
            }

            lease.Dispose();
            if (i % 7 == 0)
            {
                lease.Dispose();
            }
        });

        Assert.Equal(0, violations);
        Assert.True(admitted > 0);
        Assert.Equal(0, gate.TotalInFlight);
        Assert.All(channels, channel => Assert.Equal(0, gate.InFlight(channel)));
    }
}
