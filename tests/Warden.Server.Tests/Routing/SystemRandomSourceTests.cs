using Warden.Server.Routing;

namespace Warden.Server.Tests.Routing;

public sealed class SystemRandomSourceTests
{
    [Fact]
    public void NextDouble_FromManyThreads_StaysInUnitIntervalAndVaries()
    {
        var source = new SystemRandomSource();
        var seen = new System.Collections.Concurrent.ConcurrentBag<double>();

        Parallel.For(0, 4000, _ => seen.Add(source.NextDouble()));

        Assert.All(seen, value => Assert.InRange(value, 0.0, Math.BitDecrement(1.0)));
        Assert.True(seen.Distinct().Count() > 3900, "independent per-thread generators should almost never repeat a double");
    }
}
