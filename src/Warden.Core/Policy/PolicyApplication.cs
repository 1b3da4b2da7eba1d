namespace Warden.Core.Policy;

/// <summary>A request body after its channel's policy changed it, and the name of each change (for the receipt).</summary>
/// <param name="Body">The body to send upstream.</param>
/// <param name="Changes">
/// One name per change applied, in the order applied: <c>policy:override:&lt;field&gt;</c>, <c>policy:system_prefix</c>,
/// <c>policy:max_output_tokens=&lt;cap&gt;</c>.
/// </param>
public sealed record PolicyApplication(byte[] Body, IReadOnlyList<string> Changes);
