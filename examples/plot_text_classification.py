"""
Sentiment of short reviews: TF-IDF features, sparse input
=========================================================

Text becomes numbers through a bag of words: :class:`~sklearn.feature_extraction.text.
TfidfVectorizer` gives each review a row of word weights, almost all of them zero,
stored as a sparse matrix. sknn takes that matrix as it is and densifies one batch at
a time, so a wide vocabulary never becomes a dense array in memory.
"""

# %%
# Eighty short film reviews, written from word lists so the example needs no
# download. About a third of them mix in one clause of the other sentiment.
import numpy as np

rng = np.random.default_rng(0)
subjects = ["the story", "the cast", "the ending", "the soundtrack", "the dialogue"]
praise = ["brilliant", "moving", "funny", "gripping", "beautiful", "clever"]
complaints = ["dull", "clumsy", "boring", "predictable", "messy", "forgettable"]
verdicts = {
    1: ["loved it", "would watch again", "a must see", "highly recommended"],
    0: ["waste of time", "would not recommend", "skip this one", "fell asleep"],
}


def review(positive):
    main, other = (praise, complaints) if positive else (complaints, praise)
    clauses = [f"{rng.choice(subjects)} was {rng.choice(main)}" for _ in range(2)]
    if rng.random() < 0.3:  # one clause of the other sentiment
        clauses.append(f"but {rng.choice(subjects)} was {rng.choice(other)}")
    return ", ".join(clauses) + ". " + rng.choice(verdicts[int(positive)]) + "."


labels = rng.permutation(np.repeat([1, 0], 40))
reviews = [review(positive) for positive in labels]
for text, label in zip(reviews[:4], labels[:4]):
    print(f"{'positive' if label else 'negative'}: {text}")

# %%
# TF-IDF over words and word pairs, then a small network, in one Pipeline.
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline

from sknn import MLPClassifier

model = make_pipeline(
    TfidfVectorizer(ngram_range=(1, 2)),
    MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0),
)

# %%
# Train on 60 reviews, test on the other 20.
from sklearn.model_selection import train_test_split

train_text, test_text, y_train, y_test = train_test_split(
    reviews, labels, test_size=20, random_state=0, stratify=labels
)
model.fit(train_text, y_train)
features = model[0].transform(train_text)
print(
    f"{features.shape[1]} features, {features.nnz / np.prod(features.shape):.1%} "
    f"of them non-zero ({type(features).__name__})"
)
print(f"test accuracy: {model.score(test_text, y_test):.3f}")

# %%
# New reviews. A word the vectorizer has never seen ("and") is ignored.
new_reviews = [
    "the cast was gripping and the ending was beautiful. loved it.",
    "the dialogue was boring, the story was predictable. skip this one.",
    "the soundtrack was clumsy but the story was clever. highly recommended.",
]
for text, proba in zip(new_reviews, model.predict_proba(new_reviews)[:, 1]):
    print(f"P(positive) = {proba:.2f}: {text}")

# %%
# The same probabilities as a chart.
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 2.5), layout="constrained")
ax.barh(
    [text[:40] + "..." for text in new_reviews][::-1],
    model.predict_proba(new_reviews)[::-1, 1],
)
ax.set(xlabel="P(positive)", xlim=(0, 1))
plt.show()
