// "How this test works": the method of docs/method.md in the words of the popup's card, for a
// reader who has just seen a verdict. Static text, through _locales like every other page.
import { translate } from '../platform/browser.js';
import { localizePage } from '../shared/dom.js';

localizePage(document, translate);
document.body.dataset.ready = 'true';
