using Xunit.Abstractions;
using Xunit.Sdk;

namespace Warden.Server.Tests.Support;

/// <summary>
/// A fact of a conformance suite that runs once per storage backend (an abstract test class with a subclass per
/// backend). In a class that implements <see cref="IPostgresTests"/> it is skipped with a clear reason when no test
/// PostgreSQL is configured (<see cref="TestPostgres.SkipReason"/>); xunit 2 decides skips at discovery, hence the discoverer.
/// </summary>
[XunitTestCaseDiscoverer("Warden.Server.Tests.Support.BackendFactDiscoverer", "Warden.Server.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BackendFactAttribute : FactAttribute;

/// <summary>Marks a test class that runs against PostgreSQL.</summary>
public interface IPostgresTests;

/// <summary>Finds <see cref="BackendFactAttribute"/> tests; skips PostgreSQL ones when there is no server to run them on.</summary>
public sealed class BackendFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        ArgumentNullException.ThrowIfNull(discoveryOptions);
        ArgumentNullException.ThrowIfNull(testMethod);
        if (typeof(IPostgresTests).IsAssignableFrom(testMethod.TestClass.Class.ToRuntimeType()) && TestPostgres.SkipReason is { } reason)
        {
            return [new XunitSkippedDataRowTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason)];
        }

        return base.Discover(discoveryOptions, testMethod, factAttribute);
    }
}
