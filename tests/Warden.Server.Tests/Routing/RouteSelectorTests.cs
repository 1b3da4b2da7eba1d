using Warden.Core.Providers;
using Warden.Server.Routing;
using Warden.Server.Tests.Simulator;

namespace Warden.Server.Tests.Routing;

public sealed class RouteSelectorTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly UpstreamHealth _health;
    private readonly SeededRandomSource _random = new(20300101);
    private readonly RouteSelector _selector;

    public RouteSelectorTests()
    {
        _health = new UpstreamHealth(_clock);
        _selector = new RouteSelector(_health, _random);
    }

    [Fact]
    public void Plan_NoCandidates_EmptyOrderWithoutRetryAfter()
    {
        var plan = _selector.Plan([], null, RoutingStrategy.PriorityWeighted);

        Assert.Empty(plan.Order);
        Assert.Null(plan.RetryAfter);
    }

    [Theory]
    [InlineData(nameof(RoutingStrategy.PriorityWeighted), false)]
    [InlineData(nameof(RoutingStrategy.LeastLatency), false)]
    [InlineData(nameof(RoutingStrategy.PriorityWeighted), true)]
    public void Plan_PriorityGroups_HigherGroupAlwaysFirst(string strategyName, bool withAffinity)
    {
        var strategy = Enum.Parse<RoutingStrategy>(strategyName);
        RouteCandidate[] candidates = [new("low", 0, 100), new("high-1", 10, 1), new("mid", 5, 50), new("high-2", 10, 1)];

        for (int i = 0; i < 200; i++)
        {
            var plan = _selector.Plan(candidates, withAffinity ? $"conversation-{i}" : null, strategy);

            Assert.Equal(4, plan.Order.Count);
            Assert.Equal(new HashSet<int> { 1, 3 }, new HashSet<int> { plan.Order[0], plan.Order[1] });
            Assert.Equal(2, plan.Order[2]);
            Assert.Equal(0, plan.Order[3]);
            Assert.Null(plan.RetryAfter);
        }
    }

    [Fact]
    public void Plan_Weights3To1_FirstChoiceShareMatchesWeights()
    {
        RouteCandidate[] candidates = [new("heavy", 0, 3), new("light", 0, 1)];
        int heavyFirst = 0;
        const int Draws = 10_000;

        for (int i = 0; i < Draws; i++)
        {
            if (_selector.Plan(candidates, null, RoutingStrategy.PriorityWeighted).Order[0] == 0)
            {
                heavyFirst++;
            }
        }

        double share = heavyFirst / (double)Draws;
        Assert.InRange(share, 0.70, 0.80);
    }

    [Fact]
    public void Plan_EqualWeights_EveryKeyLeadsSometimes()
    {
        RouteCandidate[] candidates = [new("a", 0, 1), new("b", 0, 1), new("c", 0, 1)];
        int[] firsts = new int[3];

        for (int i = 0; i < 3000; i++)
        {
            firsts[_selector.Plan(candidates, null, RoutingStrategy.PriorityWeighted).Order[0]]++;
        }

        Assert.All(firsts, count => Assert.InRange(count, 850, 1150));
    }

    [Fact]
    public void Plan_Affinity_SameConversationGetsSameOrderWithoutRandomness()
    {
        RouteCandidate[] candidates = [new("a", 0, 1), new("b", 0, 1), new("c", 0, 1), new("d", 0, 1)];
        var first = _selector.Plan(candidates, "conversation-x", RoutingStrategy.PriorityWeighted).Order;

        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(first, _selector.Plan(candidates, "conversation-x", RoutingStrategy.PriorityWeighted).Order);
        }

        Assert.Equal(0, _random.Draws);
    }

    [Fact]
    public void Plan_Affinity_IgnoresCandidateListOrder()
    {
        RouteCandidate[] forward = [new("a", 0, 1), new("b", 0, 1), new("c", 0, 1)];
        RouteCandidate[] backward = [new("c", 0, 1), new("b", 0, 1), new("a", 0, 1)];

        for (int i = 0; i < 50; i++)
        {
            string affinity = $"conversation-{i}";
            string viaForward = forward[_selector.Plan(forward, affinity, RoutingStrategy.PriorityWeighted).Order[0]].KeyId;
            string viaBackward = backward[_selector.Plan(backward, affinity, RoutingStrategy.PriorityWeighted).Order[0]].KeyId;
            Assert.Equal(viaForward, viaBackward);
        }
    }

    [Fact]
    public void Plan_Affinity_DifferentConversationsSpreadOverKeys()
    {
        RouteCandidate[] candidates = [new("a", 0, 1), new("b", 0, 1), new("c", 0, 1), new("d", 0, 1)];
        int[] firsts = new int[4];

        for (int i = 0; i < 400; i++)
        {
            firsts[_selector.Plan(candidates, $"conversation-{i}", RoutingStrategy.PriorityWeighted).Order[0]]++;
        }

        Assert.All(firsts, count => Assert.InRange(count, 60, 140));
    }

    [Fact]
    public void Plan_Affinity_SpreadFollowsWeights()
    {
        RouteCandidate[] candidates = [new("heavy", 0, 3), new("light", 0, 1)];
        int heavyFirst = 0;
        const int Conversations = 4000;

        for (int i = 0; i < Conversations; i++)
        {
            if (_selector.Plan(candidates, $"conversation-{i}", RoutingStrategy.PriorityWeighted).Order[0] == 0)
            {
                heavyFirst++;
            }
        }

        Assert.InRange(heavyFirst / (double)Conversations, 0.70, 0.80);
    }

    [Fact]
    public void Plan_Affinity_KeyCoolsDown_MovesAwayAndComesBackAfter()
    {
        RouteCandidate[] candidates = [new("a", 0, 1), new("b", 0, 1), new("c", 0, 1), new("d", 0, 1)];
        const string Conversation = "conversation-cooling";
        var original = _selector.Plan(candidates, Conversation, RoutingStrategy.PriorityWeighted).Order;
        int home = original[0];

        _health.ReportFailure(candidates[home].KeyId, UpstreamErrorKind.RateLimited, TimeSpan.FromSeconds(10));
        var displaced = _selector.Plan(candidates, Conversation, RoutingStrategy.PriorityWeighted).Order;

        Assert.DoesNotContain(home, displaced);
        Assert.Equal(original.Where(index => index != home), displaced);
        Assert.Equal(displaced, _selector.Plan(candidates, Conversation, RoutingStrategy.PriorityWeighted).Order);

        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(original, _selector.Plan(candidates, Conversation, RoutingStrategy.PriorityWeighted).Order);
    }

    [Fact]
    public void Plan_Affinity_OtherKeyCoolsDown_ConversationStaysPut()
    {
        RouteCandidate[] candidates = [new("a", 0, 1), new("b", 0, 1), new("c", 0, 1)];
        const string Conversation = "conversation-steady";
        int home = _selector.Plan(candidates, Conversation, RoutingStrategy.PriorityWeighted).Order[0];

        _health.ReportFailure(candidates[(home + 1) % 3].KeyId, UpstreamErrorKind.RateLimited, TimeSpan.FromSeconds(10));

        Assert.Equal(home, _selector.Plan(candidates, Conversation, RoutingStrategy.PriorityWeighted).Order[0]);
    }

    [Fact]
    public void Plan_LeastLatency_UnmeasuredFirstThenFastest()
    {
        RouteCandidate[] candidates = [new("slow", 0, 1), new("fast", 0, 1), new("new", 0, 1), new("medium", 0, 1)];
        _health.ReportSuccess("slow", TimeSpan.FromMilliseconds(900));
        _health.ReportSuccess("fast", TimeSpan.FromMilliseconds(120));
        _health.ReportSuccess("medium", TimeSpan.FromMilliseconds(400));

        var plan = _selector.Plan(candidates, null, RoutingStrategy.LeastLatency);

        Assert.Equal([2, 1, 3, 0], plan.Order);
    }

    [Fact]
    public void Plan_LeastLatency_TiesBrokenByWeightedRandom()
    {
        RouteCandidate[] candidates = [new("heavy", 0, 3), new("light", 0, 1)];
        int heavyFirst = 0;
        const int Draws = 10_000;

        // Neither is measured yet, so they tie on latency.
        for (int i = 0; i < Draws; i++)
        {
            if (_selector.Plan(candidates, null, RoutingStrategy.LeastLatency).Order[0] == 0)
            {
                heavyFirst++;
            }
        }

        Assert.InRange(heavyFirst / (double)Draws, 0.70, 0.80);
    }

    [Fact]
    public void Plan_InadmissibleKeysAreLeftOut()
    {
        RouteCandidate[] candidates = [new("a", 0, 1), new("b", 0, 1), new("c", 0, 1)];
        _health.ReportFailure("b", UpstreamErrorKind.RateLimited, TimeSpan.FromSeconds(30));

        for (int i = 0; i < 50; i++)
        {
            var plan = _selector.Plan(candidates, null, RoutingStrategy.PriorityWeighted);
            Assert.Equal([0, 2], plan.Order.Order());
        }
    }

    [Fact]
    public void Plan_AllKeysUnavailable_EmptyOrderAndEarliestRetryAfter()
    {
        RouteCandidate[] candidates = [new("cooling-long", 10, 1), new("cooling-short", 0, 1), new("open", 5, 1)];
        _health.ReportFailure("cooling-long", UpstreamErrorKind.RateLimited, TimeSpan.FromSeconds(40));
        _health.ReportFailure("cooling-short", UpstreamErrorKind.RateLimited, TimeSpan.FromSeconds(7));
        for (int i = 0; i < new HealthOptions().FailuresToOpen; i++)
        {
            _health.ReportFailure("open", UpstreamErrorKind.ServerError, null);
        }

        var plan = _selector.Plan(candidates, "conversation", RoutingStrategy.PriorityWeighted);

        Assert.Empty(plan.Order);
        Assert.Equal(TimeSpan.FromSeconds(7), plan.RetryAfter);

        _clock.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal([1], _selector.Plan(candidates, "conversation", RoutingStrategy.PriorityWeighted).Order);
    }

    [Fact]
    public void Plan_AllKeysUnavailableForUnderASecond_RetryAfterIsAtLeastOneSecond()
    {
        RouteCandidate[] candidates = [new("a", 0, 1)];
        _health.ReportFailure("a", UpstreamErrorKind.RateLimited, TimeSpan.FromMilliseconds(200));

        var plan = _selector.Plan(candidates, null, RoutingStrategy.LeastLatency);

        Assert.Empty(plan.Order);
        Assert.Equal(TimeSpan.FromSeconds(1), plan.RetryAfter);
    }

    [Fact]
    public void Plan_LargePool_OrdersEveryAdmissibleKeyOnce()
    {
        var candidates = Enumerable.Range(0, 200).Select(i => new RouteCandidate($"key-{i}", i % 3, 1 + (i % 5))).ToArray();

        var plan = _selector.Plan(candidates, null, RoutingStrategy.PriorityWeighted);

        Assert.Equal(Enumerable.Range(0, 200), plan.Order.Order());
        var priorities = plan.Order.Select(index => candidates[index].Priority).ToArray();
        Assert.Equal(priorities.OrderDescending(), priorities);
    }
}
