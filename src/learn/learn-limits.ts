// How much learning keeps: beyond each limit, what traffic shows is counted, not learned, so a
// gateway's memory stays bounded whatever the plant sends.

export interface LearnLimits {
  /** Assets kept; addresses beyond are counted, not learned. */
  maxAssets: number;
  /** Conversations kept; beyond, they are counted, not learned. */
  maxConversations: number;
  /** Distinct operations kept per conversation. */
  maxOperationsPerConversation: number;
  /** MAC addresses kept per asset. */
  maxMacsPerAsset: number;
  /** Conversations held in memory; the rest stay in the store until traffic needs them. */
  maxCachedConversations: number;
}

export const DEFAULT_LEARN_LIMITS: LearnLimits = {
  maxAssets: 50_000,
  maxConversations: 200_000,
  maxOperationsPerConversation: 256,
  maxMacsPerAsset: 8,
  maxCachedConversations: 5_000,
};
