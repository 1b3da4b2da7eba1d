namespace Warden.Server.Tests.Support;

/// <summary>
/// A test that needs a real redis-server: skipped with the reason when it is not installed, except under CI=true, where
/// the test runs and fails (.ci/run installs it, so a CI machine without it must not pass silently).
/// </summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisServer.Executable is null && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = "redis-server is not installed (apt-get install redis-server; .ci/run installs it): the Redis tests need a real one.";
        }
    }
}
