namespace Warden.Server.Residency;

/// <summary>What happens to a request carrying personal data whose destination is outside its home jurisdiction.</summary>
internal enum PersonalDataAction
{
    /// <summary>Refused with a 403 naming the classes found, the destination and the rule.</summary>
    Block,

    /// <summary>Each value is replaced by a placeholder before it leaves, and restored in the answer.</summary>
    Mask,

    /// <summary>Forwarded unchanged under the rule's named legal basis, recorded with the transfer.</summary>
    Allow,
}
