using System.CodeDom.Compiler;
using System.Reflection;
using Warden.Server.Hosting;

namespace Warden.Server.Tests.Hosting;

/// <summary>
/// What keeps two builds of one commit byte-identical that the compiler does not enforce (.ci/reproducible-build checks
/// the bytes on every CI run; this test names the cause quickly).
/// </summary>
public sealed class ReproducibleBuildTests
{
    [Fact]
    public void LoggerMessageMethods_AreAllDeclaredInOneClass()
    {
        // The .NET 10 logging generator emits its classes in an unstable order (dotnet/runtime#119587); with more than one
        // class, the generated source embedded in warden.pdb, and so the PDB id in warden.dll, changes between builds.
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        var declaring = typeof(WardenApp).Assembly.GetTypes()
            .Where(t => t.GetMethods(All).Cast<MemberInfo>().Concat(t.GetFields(All))
                .Any(m => m.GetCustomAttribute<GeneratedCodeAttribute>()?.Tool == "Microsoft.Extensions.Logging.Generators"))
            .Select(t => t.FullName)
            .ToList();
        Assert.Equal(["Warden.Server.Telemetry.Log"], declaring);
    }
}
